#pragma once
/// \file
/// The unit of work the scheduler allocates: a local-training or an evaluation task.

#include <cstdint>
#include <string>

namespace troupe::runtime {

enum class TaskKind : std::uint8_t { train = 0, evaluate = 1 };
enum class TaskState : std::uint8_t { queued = 0, assigned = 1, running = 2, done = 3, failed = 4 };

const char* to_string(TaskKind kind);
const char* to_string(TaskState state);

/// Seconds since the job started; negative when the event has not happened.
using Seconds = double;
inline constexpr Seconds kNever = -1.0;

struct Task {
  std::int64_t id = 0;
  TaskKind kind = TaskKind::train;
  int round = 0;
  int shard = -1;          ///< data shard a training task learns from
  double priority = 0.0;   ///< value of running the task (higher first)
  double demand = 0.0;     ///< estimated work, in examples processed
  std::uint64_t seed = 0;  ///< training seed (see task_seed)
  std::string node;        ///< where it runs, once assigned
  TaskState state = TaskState::queued;
  Seconds queued_at = kNever;
  Seconds assigned_at = kNever;
  Seconds started_at = kNever;
  Seconds finished_at = kNever;
  std::string error;                  ///< why it failed
  std::int64_t samples = 0;           ///< examples the update was trained on
  double loss = 0.0;                  ///< mean training loss (train) or test loss (evaluate)
  std::int64_t reassigned_from = -1;  ///< the failed task this one replaces, if any
  /// A backup copy of this still-running straggler (--backup-after), if any.
  std::int64_t backup_of = -1;
  /// Training: the global version it trained from. Evaluation: the version evaluated.
  std::int64_t base_version = -1;
  /// Training: the global version its update went into (-1: none, e.g. late or dropped).
  std::int64_t version = -1;
  std::int64_t staleness = -1;  ///< asynchronous modes: versions behind on arrival

  bool terminal() const { return state == TaskState::done || state == TaskState::failed; }
};

}  // namespace troupe::runtime
