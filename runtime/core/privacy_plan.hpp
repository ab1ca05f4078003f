#pragma once
/// \file
/// What a job's differential privacy costs, round by round: the accountant's
/// inputs derived from the job (sampling rate, steps per round, the noise
/// multiplier that counts) and the epsilon after each round. A pure function
/// of the job's options, so the scheduler, the aggregator and the report agree.
///
/// - central, sync: one step per round at q = m / nodes, where m is
///   --clients-per-round (every shard when 0), with noise multiplier sigma.
/// - central, buffered (FedBuff): each aggregation of K = --buffer-size updates
///   is one step at q = K / nodes; a round (nodes accepted updates) counts
///   ceil(nodes / K) steps, which also covers the end-of-job flush of a
///   partial buffer.
/// - local: each node's update is its own Gaussian mechanism, seen by the
///   aggregator, so no amplification by sampling (q = 1), one step per round
///   (a node that takes part every round; fewer rounds only spend less). When
///   the aggregator sees only the sum of m updates (secure aggregation), the
///   sum carries noise sigma * C * sqrt(m): noise multiplier sigma * sqrt(m)
///   at q = m / nodes.
/// - distributed (under secure aggregation): each node adds N(0, (sigma C)^2 / m)
///   to its clipped change, so the sum of m updates carries central DP's noise
///   and is accounted as central's (q = m / nodes, sigma).
/// When the sum's noise comes from the updates in it (distributed, or local
/// under secure aggregation), a sum that included k < m of them carries only
/// sigma * sqrt(k / m) of the planned noise at the same sensitivity C: that
/// round is accounted at the smaller multiplier (epsilon_after(rounds)).

#include <cstdint>
#include <vector>

#include "runtime/core/job_spec.hpp"
#include "runtime/core/privacy_record.hpp"

namespace troupe::runtime {

/// The updates in one round's secure sums (RoundRecord::secure).
struct SummedUpdates {
  int included = 0;  ///< updates in the round's sums; 0: unknown, taken as all planned
  int sums = 0;      ///< secure sums the round completed; 0: steps_per_round
};

/// The accountant's view of a job.
struct PrivacyPlan {
  double sampling_rate = 1.0;     ///< q of one step
  double noise_multiplier = 0.0;  ///< sigma that the accountant uses
  int steps_per_round = 1;
  double delta = 1e-5;
  /// Updates one step sums (the fixed denominator of central DP).
  int updates_per_step = 1;
  /// The sum's noise is the sum of each included update's share (distributed,
  /// or local under secure aggregation): fewer updates in it, less noise.
  bool noise_from_updates = false;

  /// Epsilon after `rounds` rounds (0 rounds: 0).
  double epsilon_after(int rounds) const;
  /// The last round, at most `rounds`, whose epsilon stays within `target`
  /// (0 when even the first exceeds it).
  int rounds_within(double target, int rounds) const;
  /// The noise multiplier of each step of a round whose secure sums held
  /// `round`'s updates: noise_multiplier * sqrt(k / updates_per_step), k the
  /// updates per sum (the round's mean in buffered mode), when
  /// noise_from_updates and k < updates_per_step; else noise_multiplier.
  double step_noise_multiplier(const SummedUpdates& round) const;
  /// Epsilon after rounds.size() rounds, round k's sums having held rounds[k]
  /// (each round: steps_per_round steps at step_noise_multiplier, composed).
  double epsilon_after(const std::vector<SummedUpdates>& rounds) const;
};

/// The plan of `job` (privacy enabled). `sum_only`: the aggregator sees only
/// the sum of each step's updates (secure aggregation), which local DP's
/// accounting may use. Throws std::invalid_argument when privacy is off.
PrivacyPlan plan_privacy(const JobSpec& job, bool sum_only);
/// The plan of `job` as it runs: sum_only when it uses --secure-aggregation.
PrivacyPlan plan_privacy(const JobSpec& job);

/// The rounds `job` runs: --rounds, or fewer when --dp-target-epsilon would
/// be exceeded after them (0 when the first round already exceeds it).
int rounds_within_budget(const JobSpec& job);

/// The report's record of `job` after `rounds_done` rounds; `clip_norms` are
/// the clip norms the aggregations used (adaptive clipping; may be empty).
/// `summed`: what each round's secure sums held (RoundRecord::secure; missing
/// or empty: every planned update). A job without privacy gives a record with
/// mode none.
PrivacyRecord privacy_record(const JobSpec& job, int rounds_done, std::vector<double> clip_norms,
                             const std::vector<SummedUpdates>& summed = {});

/// The updates a central-DP step sums (and divides by): --clients-per-round
/// (or --nodes) in sync mode, --buffer-size in buffered mode.
int updates_per_step(const JobSpec& job);

}  // namespace troupe::runtime
