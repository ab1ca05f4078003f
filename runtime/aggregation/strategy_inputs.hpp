#pragma once
/// \file
/// The checks every built-in strategy runs on a round's updates, in one place:
/// which updates are malformed (an error) and which are merely unusable (skipped).

#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/strategy.hpp"

namespace troupe::runtime {

/// What an update weighs when it is combined.
enum class UpdateWeight {
  samples,              ///< the examples it trained on (FedAvg)
  samples_times_score,  ///< examples x Update::score
};

/// Checks that `current` is all float32 and that every update has parameters of
/// its layout, a non-negative sample count and (for samples_times_score) a finite,
/// non-negative score; throws std::invalid_argument naming `strategy` and the task
/// otherwise. Returns the usable updates (weight > 0) in input order, with their weights.
std::vector<WeightedParameters> usable_updates(const std::string& strategy,
                                               const models::Parameters& current,
                                               const std::vector<Update>& updates,
                                               UpdateWeight weight = UpdateWeight::samples);

/// Checks that update `u` can be combined with `current` (see usable_updates);
/// throws std::invalid_argument naming `strategy` otherwise.
void check_update(const std::string& strategy, const models::Parameters& current, const Update& u);

/// The inputs whose values are all finite, in order. Robust strategies treat an
/// update holding NaN or infinity as the worst possible outlier and drop it.
std::vector<WeightedParameters> finite_only(const std::vector<WeightedParameters>& inputs);

/// The inputs' parameter buffers, in order.
std::vector<const float*> buffers(const std::vector<WeightedParameters>& inputs);

/// Parameters with `layout`'s tensors and a zeroed buffer of the same size.
models::Parameters like(const models::Parameters& layout);

/// Number of float32 values in `p`'s buffer.
inline std::size_t float_count(const models::Parameters& p) {
  return p.bytes.size() / sizeof(float);
}

}  // namespace troupe::runtime
