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
    const models::Parameters& current, const std::vector<ClientUpdate>& updates,
    const std::vector<ClientFailure>& failures) {
  std::vector<ClientUpdate> clipped = updates;
  const std::size_t n = float_count(current);
  for (auto& u : clipped) {
    check_update(name(), current, u);
    const double norm =
        std::sqrt(squared_distance(u.params->float_data(), current.float_data(), n));
    // Short enough, or not finite (left for the wrapped strategy to handle).
    if (!(norm > clip_norm_) || !std::isfinite(norm)) continue;
    auto copy = std::make_shared<models::Parameters>(*u.params);
    clip_delta(current.float_data(), copy->float_data(), copy->float_data(), n, clip_norm_);
    u.params = std::move(copy);
  }
  return inner_->aggregate(current, clipped, failures);
}

}  // namespace troupe::runtime
