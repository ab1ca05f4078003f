#pragma once
/// \file
/// The order in which a scheduler starts its queued jobs (`troupe submit
/// --priority P --deadline S`): the highest priority first; among equals the
/// earliest deadline first (earliest-deadline-first, jobs without a deadline
/// after those with one); then first come, first served. A pure rule, so that
/// the order is tested without a cluster.

#include <limits>

namespace troupe::runtime {

/// What the order looks at in a queued job.
struct JobOrderKey {
  double priority = 1.0;
  /// When its deadline expires, on any one clock all keys share (seconds);
  /// infinity: no deadline.
  double deadline_at = std::numeric_limits<double>::infinity();
};

/// The key of a job submitted at `submitted_at` with --priority `priority`
/// and --deadline `deadline_s` (0: none).
JobOrderKey job_order_key(double priority, double deadline_s, double submitted_at);

/// True when a job with key `a` starts before one with key `b` that was
/// queued earlier (false for equal keys: first come, first served).
bool starts_before(const JobOrderKey& a, const JobOrderKey& b);

}  // namespace troupe::runtime
