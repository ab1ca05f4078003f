#pragma once
/// \file
/// Central differential privacy as a wrapper around any strategy: DP-FedAvg
/// (McMahan et al. 2018, "Learning Differentially Private Recurrent Language
/// Models") with the fixed denominator. Each update's change (update -
/// current) is clipped to L2 norm C, the clipped changes are summed, N(0,
/// (sigma_u * C)^2) is added to every coordinate of the sum, and the sum is
/// divided by m, the number of updates a round is meant to have
/// (--clients-per-round, or --nodes) — not by the number that arrived, which
/// depends on who took part and so would leak it. The wrapped strategy sees
/// one update, current + noised mean: whatever it does with it (FedAvg keeps
/// it, FedAdam takes it as a pseudo-gradient) is post-processing.
///
/// Adaptive clipping (Andrew et al. 2021, "Differentially Private Learning
/// with Adaptive Clipping", Algorithm 1 with geometric updates): with a target
/// quantile gamma, after each round C <- C * exp(-eta_C * (b - gamma)), where b
/// is the fraction of the round's updates no longer than C, released with
/// N(0, sigma_b^2) noise on the count. Both releases together are accounted as
/// one Gaussian mechanism of noise multiplier sigma (the paper's Theorem 1):
/// the updates get sigma_u = (sigma^-2 - (2 sigma_b)^-2)^(-1/2). The paper
/// suggests sigma_b = m / 20; we take max(m / 20, sigma), so that sigma_u
/// always exists and is at most 15 % above sigma.
///
/// Randomness comes from a seed: each round's generator is seeded from it and
/// the round, so a run is reproducible (docs/privacy.md on deployment seeds).

#include <cstdint>
#include <memory>

#include "runtime/aggregation/strategy.hpp"
#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

struct CentralDpOptions {
  double noise_multiplier = 1.0;    ///< sigma, as the accountant counts it
  double clip_norm = 1.0;           ///< C (the starting value when adaptive)
  double target_quantile = 0.0;     ///< gamma in (0, 1); 0: fixed C
  double clip_learning_rate = 0.2;  ///< eta_C (the paper's choice)
  int expected_updates = 1;         ///< m: the fixed denominator
  std::uint64_t seed = 0;

  /// The options of `job` (--dp central): seeded from the job's seed.
  static CentralDpOptions from_job(const JobSpec& job);
  /// sigma_b: noise on the count of unclipped updates (adaptive only).
  double count_noise() const;
  /// sigma_u: the noise multiplier of the updates' sum.
  double update_noise_multiplier() const;
};

class CentralDpStrategy final : public AggregationStrategy {
 public:
  /// Throws std::invalid_argument when `inner` is null or an option is out of range.
  CentralDpStrategy(std::unique_ptr<AggregationStrategy> inner, CentralDpOptions options);
  std::string name() const override { return inner_->name(); }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;
  /// The wrapped strategy's state, then (adaptive clipping) the clip norm.
  std::vector<models::Parameters> state() const override;
  void load_state(const std::vector<models::Parameters>& s) override;
  double privacy_clip_norm() const override { return last_clip_; }
  /// The clip norm the next round will use.
  double clip_norm() const { return clip_; }

 private:
  std::unique_ptr<AggregationStrategy> inner_;
  CentralDpOptions options_;
  double clip_;             ///< C for the next aggregation
  double last_clip_ = 0.0;  ///< C the latest aggregation used
};

}  // namespace troupe::runtime
