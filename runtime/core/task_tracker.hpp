#pragma once
/// \file
/// Every task's state and timestamps over a job. Time is passed in by the
/// caller (seconds since the job started), so the tracker is testable without clocks.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/core/task.hpp"

namespace troupe::runtime {

/// Allowed transitions: queued -> assigned -> running -> done, and any
/// non-terminal state -> failed. Anything else throws std::logic_error, which
/// is a bug in the caller, never a consequence of a peer's behaviour.
class TaskTracker {
 public:
  /// Adds a task in state queued at `now`; its id must be new.
  Task& add(Task task, Seconds now);
  void assign(std::int64_t id, const std::string& node, Seconds now);
  void start(std::int64_t id, Seconds now);
  /// Ends a running task. `busy_s` (when >= 0) is how long the node actually
  /// worked on it: the start is moved to now - busy_s, so time a task spent
  /// queued at the node does not count as busy time.
  void finish(std::int64_t id, Seconds now, std::int64_t samples, double loss,
              Seconds busy_s = -1.0);
  void fail(std::int64_t id, Seconds now, const std::string& reason);

  const Task& get(std::int64_t id) const;
  /// Sets the version fields of task `id` (outside the state machine).
  void set_versions(std::int64_t id, std::int64_t base_version, std::int64_t version,
                    std::int64_t staleness);
  bool contains(std::int64_t id) const { return index_.count(id) > 0; }
  /// All tasks in the order they were added.
  const std::vector<Task>& tasks() const { return tasks_; }

 private:
  Task& at(std::int64_t id);
  std::vector<Task> tasks_;
  std::unordered_map<std::int64_t, std::size_t> index_;
};

}  // namespace troupe::runtime
