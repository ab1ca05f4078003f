#pragma once
/// \file
/// Strategies whose next model is a weighted mean of the updates: fedavg,
/// weighted (by contribution score) and fedprox.

#include "runtime/aggregation/strategy.hpp"

namespace troupe::runtime {

/// Federated averaging (McMahan et al. 2017): the mean of the updates weighted
/// by the number of examples each was trained on. Keeps the current model when
/// no update with examples arrived.
class FedAvg final : public AggregationStrategy {
 public:
  std::string name() const override { return "fedavg"; }
  std::optional<UpdateWeight> mean_weight() const override { return UpdateWeight::samples; }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;
};

/// Contribution-weighted averaging: like FedAvg, but each update weighs
/// samples x Update::score (e.g. a validation score), so a node whose model
/// scores 0 does not count. Keeps the current model when every weight is 0.
class ScoreWeightedAverage final : public AggregationStrategy {
 public:
  std::string name() const override { return "weighted"; }
  std::optional<UpdateWeight> mean_weight() const override {
    return UpdateWeight::samples_times_score;
  }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;
};

/// FedProx (Li et al. 2020). The server side is FedAvg; what differs is the
/// proximal term mu/2 ||w - w_global||^2 each node adds to its local loss
/// (models::TrainOptions::prox_mu), which keeps updates of heterogeneous nodes
/// close to the global model.
class FedProx final : public AggregationStrategy {
 public:
  std::string name() const override { return "fedprox"; }
  std::optional<UpdateWeight> mean_weight() const override { return UpdateWeight::samples; }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;
};

}  // namespace troupe::runtime
