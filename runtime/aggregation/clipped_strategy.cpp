#include "runtime/aggregation/clipped_strategy.hpp"

#include <cmath>
#include <stdexcept>

#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/strategy_inputs.hpp"

namespace troupe::runtime {

ClippedStrategy::ClippedStrategy(std::unique_ptr<AggregationStrategy> inner, double clip_norm)
    : inner_(std::move(inner)), clip_norm_(clip_norm) {
  if (!inner_) throw std::invalid_argument("ClippedStrategy: no strategy to wrap");
  if (!(clip_norm_ > 0.0) || !std::isfinite(clip_norm_))
    throw std::invalid_argument("ClippedStrategy: clip_norm must be positive and finite");
}

std::optional<models::Parameters> ClippedStrategy::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& failures) {
  // Which updates are too long (a non-finite norm is left for the wrapped
  // strategy to handle). The wrapped strategy takes its updates read-only, so
  // only a round with something to clip is copied.
  const std::size_t n = float_count(current);
  std::vector<std::size_t> too_long;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    check_update(name(), current, updates[i]);
    const double norm =
        std::sqrt(squared_distance(updates[i].params.float_data(), current.float_data(), n));
    if (norm > clip_norm_ && std::isfinite(norm)) too_long.push_back(i);
  }
  if (too_long.empty()) return inner_->aggregate(current, updates, failures);
  std::vector<Update> clipped = updates;
  for (auto i : too_long) {
    float* p = clipped[i].params.float_data();
    clip_delta(current.float_data(), p, p, n, clip_norm_);
  }
  return inner_->aggregate(current, clipped, failures);
}

}  // namespace troupe::runtime
