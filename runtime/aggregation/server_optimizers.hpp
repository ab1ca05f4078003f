#pragma once
/// \file
/// Server optimisers: the mean of the updates (sample-weighted, as FedAvg) gives
/// a pseudo-gradient d = mean - current, which a server-side optimiser applies
/// to the current model. They keep moments between rounds, exposed as state()
/// for checkpoints.
///
/// Following Flower (flwr.server.strategy.FedAvgM and FedOpt's FedAdam, FedYogi,
/// FedAdagrad): the moments start at zero on the first aggregation (Flower uses
/// np.zeros_like for m and v; Reddi et al. allow v to start at tau^2, Flower does
/// not), no bias correction is applied, and the pseudo-gradient is taken against
/// the model passed in as `current`.

#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/strategy.hpp"

namespace troupe::runtime {

/// FedAvgM (Hsu et al. 2019): v = beta v + d; x = x + eta v.
/// With beta = 0 and eta = 1 it is FedAvg. State: {v}.
class FedAvgM final : public AggregationStrategy {
 public:
  explicit FedAvgM(const StrategyOptions& options);
  std::string name() const override { return "fedavgm"; }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;
  std::vector<models::Parameters> state() const override;
  void load_state(const std::vector<models::Parameters>& s) override;

 private:
  double lr_;
  double momentum_;
  models::Parameters velocity_;  ///< empty until the first aggregation
};

/// FedAdam, FedYogi and FedAdagrad (Reddi et al. 2021, "Adaptive Federated
/// Optimization"), one class with the second-moment rule as a parameter:
///   m = beta1 m + (1 - beta1) d
///   adam:    v = beta2 v + (1 - beta2) d^2
///   yogi:    v = v - (1 - beta2) d^2 sign(v - d^2)
///   adagrad: v = v + d^2
///   x = x + eta m / (sqrt(v) + tau)
/// fedadagrad applies beta1 as given (the paper's Algorithm 2); Flower's
/// FedAdagrad class fixes beta1 = 0, so set beta1 = 0 to reproduce it. State: {m, v}.
class AdaptiveServerOptimizer final : public AggregationStrategy {
 public:
  AdaptiveServerOptimizer(SecondMoment rule, const StrategyOptions& options);
  std::string name() const override;
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;
  std::vector<models::Parameters> state() const override;
  void load_state(const std::vector<models::Parameters>& s) override;

 private:
  AdaptiveStep step_;
  models::Parameters m_;  ///< first moment; empty until the first aggregation
  models::Parameters v_;  ///< second moment; empty until the first aggregation
};

}  // namespace troupe::runtime
