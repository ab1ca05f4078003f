#pragma once
/// \file
/// Every job a scheduler accepted: its record (runtime/io/job_index.hpp) and,
/// once finished, its reports. Without a state directory it lives in memory
/// for the scheduler's life; with one it persists there:
///
///   DIR/jobs.json                 the index (every change, written atomically)
///   DIR/jobs/<id>/report.json     a finished job's JSON report
///   DIR/jobs/<id>/report.html     and its HTML page
///
/// Reopened after a restart, finished jobs stay listed and fetchable; jobs
/// that were queued or running are marked failed, since their work died with
/// the scheduler. The clock is the caller's: every change takes `now`.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/io/job_index.hpp"

namespace troupe::runtime {

/// A finished job's report, as the texts of its files.
struct JobReports {
  std::string json;
  std::string html;
};

class JobRegistry {
 public:
  /// In memory only.
  JobRegistry() = default;

  /// Persisted under `dir` (created when missing): loads its index and marks
  /// jobs that did not finish as failed. InputError naming the file when the
  /// index is malformed; std::runtime_error when the directory is unusable.
  static JobRegistry open(const std::string& dir, double now);

  /// A new queued job of `priority` with a deadline `deadline_s` after
  /// submission (0: none); returns its id.
  std::string add(const std::string& name, std::int32_t rounds, double now, double priority = 1.0,
                  double deadline_s = 0.0);
  /// The job's set-up begins (its first start is kept: a job that yielded
  /// starts again).
  void started(const std::string& id, double now);
  /// The running job yielded to one of higher priority: queued again.
  void yielded(const std::string& id);
  /// Round `round` was evaluated with `accuracy`.
  void progressed(const std::string& id, std::int32_t round, double accuracy);
  /// The job ended in `state` with `reports`; `note` says why when it did not succeed.
  void finished(const std::string& id, JobState state, double now, const std::string& note,
                JobReports reports);

  /// The job's record; null for an unknown id.
  const JobRecord* find(const std::string& id) const;
  /// Every job, in id order.
  const std::vector<JobRecord>& jobs() const { return index_.jobs; }
  /// A finished job's reports; empty when unknown, not finished, or (on disk)
  /// unreadable.
  std::optional<JobReports> reports(const std::string& id) const;

  /// The state directory; empty in memory.
  const std::string& dir() const { return dir_; }

 private:
  JobRecord* find_mutable(const std::string& id);
  /// Writes the index when persisted.
  void save() const;

  std::string dir_;
  JobIndex index_;
  std::map<std::string, JobReports> memory_;  ///< finished reports, in memory only
};

}  // namespace troupe::runtime
