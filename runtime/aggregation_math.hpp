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

}  // namespace troupe::runtime
