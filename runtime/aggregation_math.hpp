#pragma once
/// \file
/// The arithmetic of aggregation on flat float32 parameter buffers. Strategies
/// call these; they are tested with plain arrays.

#include <string>
#include <vector>

#include "models/parameters.hpp"

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

/// out = sum_k (w_k / sum w) * x_k, element-wise, in input order (so the result
/// is deterministic for a given order). One fused pass over cache-sized blocks;
/// `out` is resized to the inputs' layout and its buffer reused when it fits.
/// Throws std::invalid_argument when check_weighted_inputs fails.
void weighted_average(const std::vector<WeightedParameters>& inputs, models::Parameters& out);

// -- asynchronous aggregation ---------------------------------------------------

/// FedAsync's mixing step: x = (1 - a) * x + a * y, element-wise. Both float32
/// with the same layout, a in [0, 1]; throws std::invalid_argument otherwise.
void mix_into(models::Parameters& x, const models::Parameters& y, double a);

/// FedBuff's buffer step: acc += w * (update - base), element-wise. `acc` takes
/// the layout (zeros) when it is empty; throws std::invalid_argument when the
/// layouts differ, a buffer is not float32 or w is not finite.
void accumulate_delta(models::Parameters& acc, const models::Parameters& update,
                      const models::Parameters& base, double w);

/// x += s * delta, element-wise (same layout, float32).
void apply_delta(models::Parameters& x, const models::Parameters& delta, double s);

}  // namespace troupe::runtime
