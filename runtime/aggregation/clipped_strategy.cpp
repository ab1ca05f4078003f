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
  // The wrapped strategy takes its updates read-only, so the clipped round is
  // a copy; clipping reads every update in full anyway.
  std::vector<Update> clipped = updates;
  const std::size_t n = float_count(current);
  for (auto& u : clipped) {
    check_update(name(), current, u);
    float* p = u.params.float_data();
    const double norm = std::sqrt(squared_distance(p, current.float_data(), n));
    // Short enough, or not finite (left for the wrapped strategy to handle).
    if (!(norm > clip_norm_) || !std::isfinite(norm)) continue;
    clip_delta(current.float_data(), p, p, n, clip_norm_);
  }
  return inner_->aggregate(current, clipped, failures);
}

}  // namespace troupe::runtime
