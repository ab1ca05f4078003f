#include "runtime/aggregation/averaging_strategies.hpp"

#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/strategy_inputs.hpp"

namespace troupe::runtime {
namespace {

std::optional<models::Parameters> average(const std::string& strategy,
                                          const models::Parameters& current,
                                          const std::vector<Update>& updates, UpdateWeight weight) {
  const auto inputs = usable_updates(strategy, current, updates, weight);
  if (inputs.empty()) return std::nullopt;
  models::Parameters out;
  weighted_average(inputs, out);
  return out;
}

}  // namespace

std::optional<models::Parameters> FedAvg::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& /*failures*/) {
  return average(name(), current, updates, UpdateWeight::samples);
}

std::optional<models::Parameters> ScoreWeightedAverage::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& /*failures*/) {
  return average(name(), current, updates, UpdateWeight::samples_times_score);
}

std::optional<models::Parameters> FedProx::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& /*failures*/) {
  return average(name(), current, updates, UpdateWeight::samples);
}

}  // namespace troupe::runtime
