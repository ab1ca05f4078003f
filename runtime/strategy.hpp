#pragma once
/// \file
/// Aggregation strategies: how the updates of a round become the next global
/// model. A strategy never touches the transport: results and failures come in
/// as arguments, and "keep the current model" (an empty optional) is a legal answer.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/parameters.hpp"

namespace troupe::runtime {

/// One node's result for a round.
struct ClientUpdate {
  std::int64_t task_id = 0;
  std::string node;
  std::int64_t samples = 0;  ///< examples it trained on
  double loss = 0.0;
  std::int64_t base_version = 0;  ///< global version it started from
  double score = 1.0;             ///< contribution weight (e.g. exp(-loss) or a validation score)
  std::shared_ptr<const models::Parameters> params;
};

/// A task of the round that produced no update.
struct ClientFailure {
  std::int64_t task_id = 0;
  std::string node;
  std::string reason;
};

class AggregationStrategy {
 public:
  virtual ~AggregationStrategy() = default;
  virtual std::string name() const = 0;
  /// The next global model, or nothing to keep `current`. Updates arrive
  /// sorted by task id, so the result does not depend on arrival order.
  virtual std::optional<models::Parameters> aggregate(
      const models::Parameters& current, const std::vector<ClientUpdate>& updates,
      const std::vector<ClientFailure>& failures) = 0;
};

/// Federated averaging (McMahan et al. 2017): the mean of the updates weighted
/// by the number of examples each was trained on. Keeps the current model when
/// no update arrived.
class FedAvg final : public AggregationStrategy {
 public:
  std::string name() const override { return "fedavg"; }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<ClientUpdate>& updates,
                                              const std::vector<ClientFailure>& failures) override;
};

/// Names accepted by make_strategy.
std::vector<std::string> strategy_names();
/// The strategy called `name`; throws std::invalid_argument listing the known names.
std::unique_ptr<AggregationStrategy> make_strategy(const std::string& name);

}  // namespace troupe::runtime
