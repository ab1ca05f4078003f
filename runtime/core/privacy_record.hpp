#pragma once
/// \file
/// The report's "privacy" object: how a job's differential privacy was set
/// up and what it spent, round by round (runtime/core/privacy_plan.hpp).

#include <string>
#include <vector>

#include "runtime/core/job_enums.hpp"

namespace troupe::runtime {

struct PrivacyRecord {
  DpMode mode = DpMode::none;  ///< none: the job had no differential privacy
  double noise_multiplier = 0.0;
  double clip_norm = 0.0;  ///< the clip norm at the end (the configured one when fixed)
  /// --dp-adaptive-clip: the clip norm each round's aggregation used; else empty.
  std::vector<double> clip_norms;
  double delta = 0.0;
  double target_epsilon = 0.0;  ///< 0: none
  double sampling_rate = 1.0;   ///< q of one step
  int steps_per_round = 1;
  /// The accountant and its (epsilon, delta) conversion, in words.
  std::string accountant;
  std::vector<double> epsilon;     ///< after each completed round, in order
  bool stopped_by_budget = false;  ///< the job ended early to stay within target_epsilon

  bool enabled() const { return mode != DpMode::none; }
  /// Epsilon after the last completed round (0 before the first).
  double final_epsilon() const { return epsilon.empty() ? 0.0 : epsilon.back(); }
};

}  // namespace troupe::runtime
