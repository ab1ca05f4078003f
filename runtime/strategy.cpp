#include "runtime/strategy.hpp"

#include <stdexcept>

#include "runtime/aggregation_math.hpp"

namespace troupe::runtime {

std::optional<models::Parameters> FedAvg::aggregate(
    const models::Parameters& current, const std::vector<ClientUpdate>& updates,
    const std::vector<ClientFailure>& /*failures*/) {
  std::vector<WeightedParameters> inputs;
  inputs.reserve(updates.size());
  for (const auto& u : updates) {
    if (u.samples <= 0) continue;
    if (!u.params || !u.params->same_layout(current))
      throw std::invalid_argument("fedavg: update of task " + std::to_string(u.task_id) +
                                  " does not match the model's layout");
    inputs.push_back({u.params.get(), static_cast<double>(u.samples)});
  }
  if (inputs.empty()) return std::nullopt;
  models::Parameters out;
  weighted_average(inputs, out);
  return out;
}

std::vector<std::string> strategy_names() {
  return {"fedavg"};
}

std::unique_ptr<AggregationStrategy> make_strategy(const std::string& name) {
  if (name == "fedavg") return std::make_unique<FedAvg>();
  throw std::invalid_argument("unknown aggregation strategy '" + name + "' (known: fedavg)");
}

}  // namespace troupe::runtime
