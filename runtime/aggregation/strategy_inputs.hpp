#pragma once
/// \file
/// The checks every built-in strategy runs on a round's updates, in one place:
/// which updates are malformed (an error) and which are merely unusable (skipped).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/strategy.hpp"

namespace troupe::runtime {

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

// -- the weighted mean of updates in files ------------------------------------
// The weighted mean of a round's updates when their bytes are in files
// (Update::spooled): a chunk of every update at a time, so that the
// aggregator holds the output, the current model and one chunk per update
// instead of every update whole. Each element is summed in the same order
// with the same factors as weighted_average, so the result is bit for bit
// the one the strategy computes from updates in memory (tested).

/// Floats of one update read at a time: 512 KiB, so that the chunks of 50
/// updates, with the data plane's receiving chunks (1 MiB per update in
/// flight), stay under 50 MiB.
inline constexpr std::size_t kStreamChunkFloats = std::size_t{1} << 17;

/// What `strategy` (whose mean_weight() is `weight`) makes of `updates`,
/// spooled or in memory: the same checks (usable_updates: an error names
/// `strategy` and the task), nothing when no update weighs anything, else
/// the weighted mean. Throws std::runtime_error when a spooled update cannot
/// be read.
std::optional<models::Parameters> streamed_mean(const std::string& strategy,
                                                const models::Parameters& current,
                                                const std::vector<Update>& updates,
                                                UpdateWeight weight,
                                                std::size_t chunk_floats = kStreamChunkFloats);

}  // namespace troupe::runtime
