#pragma once
/// \file
/// The arithmetic of aggregation on flat float32 parameter buffers. Strategies
/// call these; they are tested with plain arrays.

#include <cstddef>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/core/for_halves.hpp"

namespace troupe::runtime {

/// One input to a weighted combination.
struct WeightedParameters {
  const models::Parameters* params = nullptr;
  double weight = 0.0;
};

/// Checks that every input is non-null, float32, has the layout of the first
/// one and a finite non-negative weight, and that the weights do not sum to 0.
/// Returns an empty string when they do, else the reason.
std::string check_weighted_inputs(const std::vector<WeightedParameters>& inputs);

/// w_k / sum w in float, the sum taken in double in input order: the
/// factors weighted_average (and streamed_mean) give weighted_sum.
std::vector<float> normalised_weights(const std::vector<WeightedParameters>& inputs);

/// out = sum_k (w_k / sum w) * x_k, element-wise, in input order (so the result
/// is deterministic for a given order): weighted_sum with the normalised
/// weights. `out` is resized to the inputs' layout and its buffer reused when
/// it fits; it must not be one of the inputs. Throws std::invalid_argument
/// when check_weighted_inputs fails.
void weighted_average(const std::vector<WeightedParameters>& inputs, models::Parameters& out,
                      const KernelOptions& options = KernelOptions::automatic());

/// out[i] = w[0] * xs[0][i] + w[1] * xs[1][i] + ..., each product and sum
/// rounded to float in input order (the bits of `out = w0 * x0` followed by
/// `out += wk * xk` for k = 1, 2, ...). Streams every input once and the
/// output once per four inputs, over L1-sized blocks, on two threads for large
/// n (see KernelOptions); the result does not depend on the split. `out` must
/// not overlap an input. Throws std::invalid_argument when xs is empty, a
/// pointer is null while n > 0 or w.size() != xs.size().
void weighted_sum(const std::vector<const float*>& xs, const std::vector<float>& w, float* out,
                  std::size_t n, const KernelOptions& options = KernelOptions::automatic());

// -- asynchronous aggregation ---------------------------------------------------

/// FedAsync's mixing step: x = (1 - a) * x + a * y, element-wise. Both float32
/// with the same layout, a in [0, 1]; throws std::invalid_argument otherwise.
/// Large buffers run on two threads (see KernelOptions), with identical results.
void mix_into(models::Parameters& x, const models::Parameters& y, double a,
              const KernelOptions& options = KernelOptions::automatic());

/// FedBuff's buffer step: acc += w * (update - base), element-wise. `acc` takes
/// the layout (zeros) when it is empty; throws std::invalid_argument when the
/// layouts differ, a buffer is not float32 or w is not finite.
void accumulate_delta(models::Parameters& acc, const models::Parameters& update,
                      const models::Parameters& base, double w,
                      const KernelOptions& options = KernelOptions::automatic());

/// x += s * delta, element-wise (same layout, float32).
void apply_delta(models::Parameters& x, const models::Parameters& delta, double s,
                 const KernelOptions& options = KernelOptions::automatic());
// ---------------------------------------------------------------------------
// Element-wise kernels on flat float32 arrays of `n` elements. Every strategy's
// arithmetic lives here: the strategies only choose inputs and call these.
// Reductions accumulate in double; all loops run in input order, so results are
// deterministic for a given input order.

/// out[i] = a[i] - b[i]. `out` may alias `a` or `b`.
void subtract(const float* a, const float* b, float* out, std::size_t n);

/// sum_i x[i]^2, accumulated in double. Not finite when some x[i] is not finite.
double squared_norm(const float* x, std::size_t n);

/// sum_i (a[i] - b[i])^2, accumulated in double.
double squared_distance(const float* a, const float* b, std::size_t n);

/// Squared Euclidean distances between every pair of the k arrays `xs`, as a
/// row-major k x k matrix (symmetric, zero diagonal). Walks the arrays in
/// cache-sized blocks so each block of every input is read from cache k times
/// instead of from memory.
std::vector<double> pairwise_squared_distances(const std::vector<const float*>& xs, std::size_t n);

/// Krum scores (Blanchard et al. 2017) from a k x k squared-distance matrix (as
/// pairwise_squared_distances returns): score[i] = the sum of the `neighbours`
/// smallest distances from i to the others. `neighbours` must be in [1, k - 1]
/// (throws std::invalid_argument otherwise); with k = 1 the single score is 0.
std::vector<double> krum_scores(const std::vector<double>& distances, std::size_t k,
                                std::size_t neighbours);

/// Norm clipping of an update relative to a base (usually the current model):
/// out = base + s * (x - base) with s = min(1, max_norm / ||x - base||).
/// Returns ||x - base|| before clipping. `out` may alias `x`. max_norm must be > 0.
double clip_delta(const float* base, const float* x, float* out, std::size_t n, double max_norm);

/// Coordinate-wise median of the k >= 1 arrays `xs` (for even k the mean of the
/// two middle values, as numpy.median). `scratch` is resized as needed and can be
/// reused across calls to avoid allocating. Values must be finite.
void coordinate_median(const std::vector<const float*>& xs, std::size_t n, float* out,
                       std::vector<float>& scratch);

/// Coordinate-wise trimmed mean: for each coordinate, drops the `trim` smallest and
/// `trim` largest of the k values and averages the rest. Requires 2 * trim < k;
/// throws std::invalid_argument otherwise. Values must be finite.
void coordinate_trimmed_mean(const std::vector<const float*>& xs, std::size_t n, std::size_t trim,
                             float* out, std::vector<float>& scratch);

/// One FedAvgM server step (Hsu et al. 2019) with pseudo-gradient d = average - current:
/// velocity = momentum * velocity + d; out = current + lr * velocity.
/// `out` may alias `current` or `average`.
void momentum_step(const float* current, const float* average, float* velocity, float* out,
                   std::size_t n, double lr, double momentum);

/// The second-moment rule of an adaptive server optimiser (Reddi et al. 2021).
enum class SecondMoment { adam, yogi, adagrad };

/// Hyper-parameters of one adaptive server step.
struct AdaptiveStep {
  SecondMoment rule = SecondMoment::adam;
  double lr = 1.0;      ///< server learning rate eta
  double beta1 = 0.9;   ///< first-moment decay
  double beta2 = 0.99;  ///< second-moment decay (unused by adagrad)
  double tau = 1e-3;    ///< adaptivity: added to sqrt(v) in the denominator
};

/// One adaptive server step with pseudo-gradient d = average - current, fused in one pass:
///   m = beta1 m + (1 - beta1) d
///   adam:    v = beta2 v + (1 - beta2) d^2
///   yogi:    v = v - (1 - beta2) d^2 sign(v - d^2)
///   adagrad: v = v + d^2
///   out = current + lr * m / (sqrt(v) + tau)
/// `out` may alias `current` or `average`.
void adaptive_step(const float* current, const float* average, float* m, float* v, float* out,
                   std::size_t n, const AdaptiveStep& step);

}  // namespace troupe::runtime
