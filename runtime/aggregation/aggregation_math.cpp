#include "runtime/aggregation/aggregation_math.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runtime/core/for_halves.hpp"

namespace troupe::runtime {

std::string check_weighted_inputs(const std::vector<WeightedParameters>& inputs) {
  if (inputs.empty()) return "no inputs to combine";
  const auto* first = inputs.front().params;
  double total = 0.0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const auto* p = inputs[k].params;
    if (p == nullptr) return "input " + std::to_string(k) + " is null";
    if (!p->all_float32()) return "input " + std::to_string(k) + " is not float32";
    if (k > 0 && !p->same_layout(*first))
      return "input " + std::to_string(k) + " has a different layout (names, shapes or dtypes)";
    if (!std::isfinite(inputs[k].weight) || inputs[k].weight < 0.0)
      return "input " + std::to_string(k) + " has an invalid weight";
    total += inputs[k].weight;
  }
  if (!(total > 0.0)) return "weights sum to zero";
  return {};
}

namespace {

/// Elements per block of the weighted sum: the output block (16 KiB) stays in
/// L1 while up to four inputs stream past it per pass, so for k inputs the
/// output crosses the memory bus once and each input once.
constexpr std::size_t kSumBlock = 4096;

/// One pass of the weighted sum over `len` elements with M (1..4) inputs:
/// First: d = w0*s0 (+ w1*s1 ...), else d += w0*s0 (+ w1*s1 ...), each step
/// rounded to float in input order, so the bits equal those of one input per
/// pass. `__restrict` lets GCC vectorise (SSE2) without runtime alias checks.
template <int M, bool First>
inline void sum_pass(float* __restrict d, const float* __restrict s0, const float* __restrict s1,
                     const float* __restrict s2, const float* __restrict s3, const float* w,
                     std::size_t len) {
  const float w0 = w[0];
  const float w1 = M > 1 ? w[1] : 0.0F;
  const float w2 = M > 2 ? w[2] : 0.0F;
  const float w3 = M > 3 ? w[3] : 0.0F;
  for (std::size_t i = 0; i < len; ++i) {
    float t = First ? w0 * s0[i] : d[i] + w0 * s0[i];
    if (M > 1) t += w1 * s1[i];
    if (M > 2) t += w2 * s2[i];
    if (M > 3) t += w3 * s3[i];
    d[i] = t;
  }
}

template <bool First>
void sum_group(float* d, const float* const* s, const float* w, std::size_t m, std::size_t len) {
  // A block of exactly kSumBlock elements gets a compile-time trip count, which
  // GCC's -O2 cost model needs before it vectorises; the tail runs as it is.
  const bool full = len == kSumBlock;
  switch (m) {
    case 1:
      full ? sum_pass<1, First>(d, s[0], s[0], s[0], s[0], w, kSumBlock)
           : sum_pass<1, First>(d, s[0], s[0], s[0], s[0], w, len);
      break;
    case 2:
      full ? sum_pass<2, First>(d, s[0], s[1], s[1], s[1], w, kSumBlock)
           : sum_pass<2, First>(d, s[0], s[1], s[1], s[1], w, len);
      break;
    case 3:
      full ? sum_pass<3, First>(d, s[0], s[1], s[2], s[2], w, kSumBlock)
           : sum_pass<3, First>(d, s[0], s[1], s[2], s[2], w, len);
      break;
    default:
      full ? sum_pass<4, First>(d, s[0], s[1], s[2], s[3], w, kSumBlock)
           : sum_pass<4, First>(d, s[0], s[1], s[2], s[3], w, len);
      break;
  }
}

/// The weighted sum over elements [begin, end), block by block.
void weighted_sum_range(const float* const* xs, const float* w, std::size_t k, float* out,
                        std::size_t begin, std::size_t end) {
  std::vector<const float*> s(k);
  for (std::size_t b = begin; b < end; b += kSumBlock) {
    const std::size_t len = std::min(end, b + kSumBlock) - b;
    for (std::size_t j = 0; j < k; ++j) s[j] = xs[j] + b;
    for (std::size_t j = 0; j < k; j += 4) {
      const std::size_t m = std::min<std::size_t>(4, k - j);
      if (j == 0)
        sum_group<true>(out + b, s.data(), w, m, len);
      else
        sum_group<false>(out + b, s.data() + j, w + j, m, len);
    }
  }
}

}  // namespace

void weighted_sum(const std::vector<const float*>& xs, const std::vector<float>& w, float* out,
                  std::size_t n, const KernelOptions& options) {
  if (xs.empty() || xs.size() != w.size())
    throw std::invalid_argument("weighted_sum: needs one weight per input and at least one input");
  if (n > 0) {  // an empty array may have no storage at all
    for (const float* x : xs)
      if (x == nullptr) throw std::invalid_argument("weighted_sum: null input");
    if (out == nullptr) throw std::invalid_argument("weighted_sum: null output");
  }
  for_halves(n, options, [&](std::size_t begin, std::size_t end) {
    weighted_sum_range(xs.data(), w.data(), xs.size(), out, begin, end);
  });
}

std::vector<float> normalised_weights(const std::vector<WeightedParameters>& inputs) {
  double total = 0.0;
  for (const auto& in : inputs) total += in.weight;
  std::vector<float> w(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k)
    w[k] = static_cast<float>(inputs[k].weight / total);
  return w;
}

void weighted_average(const std::vector<WeightedParameters>& inputs, models::Parameters& out,
                      const KernelOptions& options) {
  if (auto why = check_weighted_inputs(inputs); !why.empty())
    throw std::invalid_argument("weighted_average: " + why);
  const auto& layout = *inputs.front().params;
  if (!out.same_layout(layout)) {
    out.tensors = layout.tensors;
    out.bytes.resize(layout.bytes.size());
  }
  const auto w = normalised_weights(inputs);
  std::vector<const float*> xs(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) xs[k] = inputs[k].params->float_data();
  weighted_sum(xs, w, out.float_data(), layout.bytes.size() / sizeof(float), options);
}

namespace {

void require_same(const models::Parameters& a, const models::Parameters& b, const char* what) {
  if (!a.all_float32() || !b.all_float32())
    throw std::invalid_argument(std::string(what) + ": parameters must be float32");
  if (!a.same_layout(b) || a.bytes.size() != b.bytes.size())
    throw std::invalid_argument(std::string(what) + ": parameters have different layouts");
}

/// Elements per block: a block of one input is 8 KiB, so a block of each of a
/// few dozen inputs plus the output stays in L2 while it is worked on.
constexpr std::size_t kBlock = 2048;

/// Gathers coordinates [begin, end) of every input into `scratch` so that each
/// coordinate's k values are contiguous (scratch[j * k + i] = xs[i][begin + j]).
void gather_block(const std::vector<const float*>& xs, std::size_t begin, std::size_t end,
                  float* scratch) {
  const std::size_t k = xs.size();
  for (std::size_t i = 0; i < k; ++i) {
    const float* src = xs[i];
    for (std::size_t c = begin; c < end; ++c) scratch[(c - begin) * k + i] = src[c];
  }
}

void check_arrays(const std::vector<const float*>& xs, const char* what) {
  if (xs.empty()) throw std::invalid_argument(std::string(what) + ": no inputs");
  for (const float* x : xs)
    if (x == nullptr) throw std::invalid_argument(std::string(what) + ": null input");
}

}  // namespace

void mix_into(models::Parameters& x, const models::Parameters& y, double a,
              const KernelOptions& options) {
  require_same(x, y, "mix_into");
  if (!(a >= 0.0 && a <= 1.0)) throw std::invalid_argument("mix_into: weight must be in [0, 1]");
  const float fa = static_cast<float>(a);
  const float fb = 1.0f - fa;
  const std::size_t n = x.bytes.size() / sizeof(float);
  float* dst = x.float_data();
  const float* src = y.float_data();
  for_halves(n, options, [&](std::size_t begin, std::size_t end) {
    float* __restrict d = dst;
    const float* __restrict s = src;
    for (std::size_t i = begin; i < end; ++i) d[i] = fb * d[i] + fa * s[i];
  });
}

void accumulate_delta(models::Parameters& acc, const models::Parameters& update,
                      const models::Parameters& base, double w, const KernelOptions& options) {
  require_same(update, base, "accumulate_delta");
  if (!std::isfinite(w)) throw std::invalid_argument("accumulate_delta: weight is not finite");
  if (acc.tensors.empty() && acc.bytes.empty()) {
    acc.tensors = base.tensors;
    acc.bytes.assign(base.bytes.size(), 0);  // all-zero bytes are 0.0f
  }
  require_same(acc, base, "accumulate_delta");
  const float fw = static_cast<float>(w);
  const std::size_t n = acc.bytes.size() / sizeof(float);
  float* dst = acc.float_data();
  const float* u = update.float_data();
  const float* b = base.float_data();
  for_halves(n, options, [&](std::size_t begin, std::size_t end) {
    float* __restrict d = dst;
    const float* __restrict us = u;
    const float* __restrict bs = b;
    for (std::size_t i = begin; i < end; ++i) d[i] += fw * (us[i] - bs[i]);
  });
}

void apply_delta(models::Parameters& x, const models::Parameters& delta, double s,
                 const KernelOptions& options) {
  require_same(x, delta, "apply_delta");
  if (!std::isfinite(s)) throw std::invalid_argument("apply_delta: scale is not finite");
  const float fs = static_cast<float>(s);
  const std::size_t n = x.bytes.size() / sizeof(float);
  float* dst = x.float_data();
  const float* src = delta.float_data();
  for_halves(n, options, [&](std::size_t begin, std::size_t end) {
    float* __restrict d = dst;
    const float* __restrict ds = src;
    for (std::size_t i = begin; i < end; ++i) d[i] += fs * ds[i];
  });
}

void subtract(const float* a, const float* b, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}

double squared_norm(const float* x, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    sum += v * v;
  }
  return sum;
}

double squared_distance(const float* a, const float* b, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    sum += d * d;
  }
  return sum;
}

std::vector<double> pairwise_squared_distances(const std::vector<const float*>& xs, std::size_t n) {
  const std::size_t k = xs.size();
  std::vector<double> d(k * k, 0.0);
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t len = std::min(n, begin + kBlock) - begin;
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = i + 1; j < k; ++j)
        d[i * k + j] += squared_distance(xs[i] + begin, xs[j] + begin, len);
  }
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i + 1; j < k; ++j) d[j * k + i] = d[i * k + j];
  return d;
}

std::vector<double> krum_scores(const std::vector<double>& distances, std::size_t k,
                                std::size_t neighbours) {
  if (distances.size() != k * k)
    throw std::invalid_argument("krum_scores: the distance matrix is not k x k");
  if (k == 1) return {0.0};
  if (neighbours < 1 || neighbours > k - 1)
    throw std::invalid_argument("krum_scores: neighbours must be in [1, k - 1]");
  std::vector<double> scores(k, 0.0);
  std::vector<double> others;
  others.reserve(k - 1);
  for (std::size_t i = 0; i < k; ++i) {
    others.clear();
    for (std::size_t j = 0; j < k; ++j)
      if (j != i) others.push_back(distances[i * k + j]);
    std::partial_sort(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(neighbours),
                      others.end());
    double sum = 0.0;
    for (std::size_t j = 0; j < neighbours; ++j) sum += others[j];
    scores[i] = sum;
  }
  return scores;
}

double clip_delta(const float* base, const float* x, float* out, std::size_t n, double max_norm) {
  if (!(max_norm > 0.0)) throw std::invalid_argument("clip_delta: max_norm must be > 0");
  const double norm = std::sqrt(squared_distance(x, base, n));
  if (norm <= max_norm) {
    if (out != x) std::copy(x, x + n, out);
    return norm;
  }
  const auto s = static_cast<float>(max_norm / norm);
  for (std::size_t i = 0; i < n; ++i) out[i] = base[i] + s * (x[i] - base[i]);
  return norm;
}

void coordinate_median(const std::vector<const float*>& xs, std::size_t n, float* out,
                       std::vector<float>& scratch) {
  check_arrays(xs, "coordinate_median");
  const std::size_t k = xs.size();
  scratch.resize(kBlock * k);
  const std::size_t mid = k / 2;
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t end = std::min(n, begin + kBlock);
    gather_block(xs, begin, end, scratch.data());
    for (std::size_t c = begin; c < end; ++c) {
      float* v = scratch.data() + (c - begin) * k;
      std::nth_element(v, v + mid, v + k);
      const float hi = v[mid];
      if (k % 2 == 1) {
        out[c] = hi;
      } else {
        // nth_element leaves the smaller half in front: its maximum is the lower middle.
        const float lo = *std::max_element(v, v + mid);
        out[c] = lo + (hi - lo) * 0.5F;
      }
    }
  }
}

void coordinate_trimmed_mean(const std::vector<const float*>& xs, std::size_t n, std::size_t trim,
                             float* out, std::vector<float>& scratch) {
  check_arrays(xs, "coordinate_trimmed_mean");
  const std::size_t k = xs.size();
  if (2 * trim >= k)
    throw std::invalid_argument("coordinate_trimmed_mean: trimming " + std::to_string(trim) +
                                " from each end of " + std::to_string(k) + " values leaves none");
  scratch.resize(kBlock * k);
  const double kept = static_cast<double>(k - 2 * trim);
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t end = std::min(n, begin + kBlock);
    gather_block(xs, begin, end, scratch.data());
    for (std::size_t c = begin; c < end; ++c) {
      float* v = scratch.data() + (c - begin) * k;
      std::sort(v, v + k);
      double sum = 0.0;
      for (std::size_t i = trim; i < k - trim; ++i) sum += v[i];
      out[c] = static_cast<float>(sum / kept);
    }
  }
}

void momentum_step(const float* current, const float* average, float* velocity, float* out,
                   std::size_t n, double lr, double momentum) {
  const auto eta = static_cast<float>(lr);
  const auto beta = static_cast<float>(momentum);
  for (std::size_t i = 0; i < n; ++i) {
    const float v = beta * velocity[i] + (average[i] - current[i]);
    velocity[i] = v;
    out[i] = current[i] + eta * v;
  }
}

void adaptive_step(const float* current, const float* average, float* m, float* v, float* out,
                   std::size_t n, const AdaptiveStep& step) {
  const auto eta = static_cast<float>(step.lr);
  const auto b1 = static_cast<float>(step.beta1);
  const auto b2 = static_cast<float>(step.beta2);
  const auto tau = static_cast<float>(step.tau);
  // One loop per rule so the rule is not tested per element.
  auto run = [&](auto second_moment) {
    for (std::size_t i = 0; i < n; ++i) {
      const float d = average[i] - current[i];
      const float mi = b1 * m[i] + (1.0F - b1) * d;
      const float vi = second_moment(v[i], d * d);
      m[i] = mi;
      v[i] = vi;
      out[i] = current[i] + eta * mi / (std::sqrt(vi) + tau);
    }
  };
  switch (step.rule) {
    case SecondMoment::adam:
      run([b2](float v_old, float d2) { return b2 * v_old + (1.0F - b2) * d2; });
      break;
    case SecondMoment::yogi:
      run([b2](float v_old, float d2) {
        const float diff = v_old - d2;
        const float sign = diff > 0.0F ? 1.0F : (diff < 0.0F ? -1.0F : 0.0F);
        return v_old - (1.0F - b2) * d2 * sign;
      });
      break;
    case SecondMoment::adagrad:
      run([](float v_old, float d2) { return v_old + d2; });
      break;
  }
}

}  // namespace troupe::runtime
