#pragma once
// FedAvg with a server-side learning rate that decays over rounds:
//   avg_t  = sum_k (n_k / n) w_k                      (FedAvg of the round's updates)
//   eta_t  = eta_0 / (1 + decay * t)                  (t = aggregations done before)
//   w_t+1  = w_t + eta_t (avg_t - w_t)
// eta_0 = 1 gives plain FedAvg in the first round; later rounds move the global
// model less and less, which damps the noise of small, skewed client updates.

#include "runtime/aggregation/strategy.hpp"

namespace example {

class FedAvgDecay final : public troupe::runtime::AggregationStrategy {
 public:
  /// `server_lr` is eta_0 (> 0); `decay` >= 0.
  FedAvgDecay(double server_lr, double decay);

  std::string name() const override { return "fedavg-decay"; }
  std::optional<troupe::models::Parameters> aggregate(
      const troupe::models::Parameters& current,
      const std::vector<troupe::runtime::Update>& updates,
      const std::vector<troupe::runtime::UpdateFailure>& failures) override;

  /// The learning rate the next aggregation uses.
  double next_rate() const;

 private:
  double server_lr_;
  double decay_;
  int aggregations_ = 0;
};

}  // namespace example
