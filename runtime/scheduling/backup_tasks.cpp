#include "runtime/scheduling/backup_tasks.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::runtime {

double median_of(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

namespace {

/// The running time past which a task is a straggler; nothing while fewer
/// than the quantile of `needed` finished or the rule is off.
std::optional<Seconds> threshold_of(const std::vector<Seconds>& finished, int needed,
                                    const BackupRule& rule) {
  if (finished.empty() || rule.multiplier <= 0.0) return std::nullopt;
  const auto enough =
      static_cast<std::size_t>(std::ceil(rule.quantile * std::max(needed, 1) - 1e-9));
  if (finished.size() < std::max<std::size_t>(1, enough)) return std::nullopt;
  return std::max(rule.min_runtime, rule.multiplier * median_of(finished));
}

/// The running time past which a task is late by either rule.
std::optional<Seconds> limit_of(const std::vector<Seconds>& finished, int needed,
                                const BackupRule& rule) {
  auto limit = threshold_of(finished, needed, rule);
  if (rule.deadline > 0.0) {
    const Seconds deadline = std::max(rule.min_runtime, rule.deadline);
    limit = limit ? std::min(*limit, deadline) : deadline;
  }
  return limit;
}

}  // namespace

std::vector<std::int64_t> stragglers(const std::vector<Seconds>& finished,
                                     const std::vector<RunningTask>& running, int needed,
                                     Seconds now, const BackupRule& rule) {
  const auto threshold = limit_of(finished, needed, rule);
  if (!threshold) return {};
  std::vector<RunningTask> late;
  for (const auto& r : running)
    if (r.started_at >= 0.0 && now - r.started_at > *threshold) late.push_back(r);
  std::stable_sort(late.begin(), late.end(), [](const RunningTask& a, const RunningTask& b) {
    return a.started_at < b.started_at;
  });
  std::vector<std::int64_t> ids;
  for (const auto& r : late) ids.push_back(r.id);
  return ids;
}

std::optional<Seconds> next_straggler_at(const std::vector<Seconds>& finished,
                                         const std::vector<RunningTask>& running, int needed,
                                         Seconds now, const BackupRule& rule) {
  const auto threshold = limit_of(finished, needed, rule);
  if (!threshold) return std::nullopt;
  std::optional<Seconds> next;
  for (const auto& r : running) {
    if (r.started_at < 0.0 || now - r.started_at > *threshold) continue;  // one already
    const Seconds at = r.started_at + *threshold;
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace troupe::runtime
