#include <cmath>

#include "runtime/core/job_spec.hpp"
#include "runtime/core/privacy_plan.hpp"

namespace troupe::runtime {
namespace {

bool positive(double v) {
  return v > 0.0 && std::isfinite(v);
}

/// Strategies that pick or reweight individual updates: with differential
/// privacy they only ever see one noised average, where they mean nothing.
bool robust_strategy(const std::string& name) {
  return name == "median" || name == "trimmed-mean" || name == "krum" || name == "multi-krum";
}

}  // namespace

std::string PrivacyOptions::validate(const JobSpec& job) const {
  if (!(target_epsilon >= 0.0) || !std::isfinite(target_epsilon))
    return "--dp-target-epsilon must not be negative";
  if (!enabled()) return {};
  if (!positive(noise_multiplier)) return "--dp-noise-multiplier must be positive with --dp";
  if (!positive(clip_norm)) return "--dp-clip-norm must be positive with --dp";
  if (!(delta > 0.0 && delta < 1.0)) return "--dp-delta must be in (0, 1)";
  if (!(adaptive_clip >= 0.0 && adaptive_clip < 1.0))
    return "--dp-adaptive-clip must be in (0, 1) (0 = a fixed clip norm)";
  if (adaptive_clip > 0.0 && mode != DpMode::central)
    return "--dp-adaptive-clip needs --dp central (it noises the count of clipped updates on the "
           "aggregator)";
  if (adaptive_clip > 0.0 && job.collab.mode != Mode::sync)
    return "--dp-adaptive-clip needs --mode sync";
  if (mode == DpMode::distributed && !job.privacy.secure_aggregation)
    return "--dp distributed needs --secure-aggregation (each node adds only a share of the "
           "noise; an update seen in clear would be under-noised)";
  if (job.collab.mode == Mode::async)
    return "--dp needs --mode sync or buffered (FedAsync releases every update on its own; use "
           "--mode buffered)";
  if (job.collab.strategy_options.clip_norm > 0.0)
    return "--dp clips with --dp-clip-norm; drop --clip-norm";
  if (robust_strategy(job.collab.strategy))
    return "--dp does not combine with --strategy " + job.collab.strategy +
           " (it aggregates one noised sum, not individual updates)";
  if (job.cluster.node_behaviour == "distill")
    return "--dp needs model updates; --node-behaviour distill shares predictions";
  if (target_epsilon > 0.0) {
    const double first = plan_privacy(job).epsilon_after(1);
    if (first > target_epsilon)
      return "--dp-target-epsilon " + std::to_string(target_epsilon) +
             " is exceeded by the first round already (epsilon " + std::to_string(first) +
             "); raise --dp-noise-multiplier or the target";
  }
  return {};
}

}  // namespace troupe::runtime
