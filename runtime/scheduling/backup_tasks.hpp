#pragma once
/// \file
/// Which running tasks of a synchronous round deserve a backup copy
/// (--backup-after). A pure function of the round's task times, so that the
/// rule is tested without a cluster.
///
/// The rule is Spark's speculative execution (spark.speculation.*,
/// https://spark.apache.org/docs/latest/configuration.html#scheduling): once a
/// quantile of the round's tasks finished (Spark's default 0.75), a task that
/// has been running longer than a multiplier (Spark's default 1.5; ours is
/// --backup-after) times the median duration of the finished ones, and at
/// least a minimum run time (Spark's default 100 ms), is a straggler. The
/// scheduler then starts a copy on an idle node; the first result wins.
///
/// A task's deadline (--task-deadline) is the other trigger: a task computing
/// longer than that is late whatever its peers did, so that a round whose
/// tasks are all slow, or too few to reach the quantile, is still covered.

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/core/task.hpp"

namespace troupe::runtime {

struct BackupRule {
  double multiplier = 1.5;    ///< times the median finished duration (--backup-after)
  double quantile = 0.75;     ///< of the round's needed updates, finished before any backup
  Seconds min_runtime = 0.1;  ///< a task younger than this never gets a backup
  /// > 0: a task computing longer than this (and than min_runtime) is late
  /// (--task-deadline); 0: none.
  Seconds deadline = 0.0;
};

/// A task still running: its id and when it started.
struct RunningTask {
  std::int64_t id = 0;
  Seconds started_at = 0.0;
};

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
double median_of(std::vector<double> values);

/// The running tasks that are stragglers at `now` under `rule`, the longest
/// running first. `finished`: durations of the round's finished tasks;
/// `needed`: the updates the round waits for. By the median rule, none until
/// ceil(quantile x needed) tasks finished; by the deadline, any time.
std::vector<std::int64_t> stragglers(const std::vector<Seconds>& finished,
                                     const std::vector<RunningTask>& running, int needed,
                                     Seconds now, const BackupRule& rule);

/// When the first task of `running` that is not a straggler at `now` becomes
/// one, if nothing else changes; nothing while neither rule applies yet (the
/// next finished task re-checks) or when none is left to turn.
std::optional<Seconds> next_straggler_at(const std::vector<Seconds>& finished,
                                         const std::vector<RunningTask>& running, int needed,
                                         Seconds now, const BackupRule& rule);

}  // namespace troupe::runtime
