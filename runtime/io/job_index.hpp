#pragma once
/// \file
/// The scheduler's list of jobs as one JSON file (`--state-dir DIR/jobs.json`):
/// each job's id, name, state, times and progress. The finished reports live
/// beside it (runtime/io/job_registry.hpp). Malformed files are InputErrors
/// that name the file and what is wrong, never a crash.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/job_enums.hpp"

namespace troupe::runtime {

/// Where a job is in its life. queued and running are live; the others final.
enum class JobState { queued, running, succeeded, failed, cancelled };

/// "queued", "running", "succeeded", "failed", "cancelled".
std::string_view to_string(JobState state);
/// The state spelled `text`; empty for another word.
std::optional<JobState> parse_job_state(std::string_view text);
/// succeeded, failed or cancelled: the job has its report.
bool is_final(JobState state);
/// The final state of a job whose report says `status` (ok and degraded
/// succeeded: the job ran to its end; failed and refused failed).
JobState final_state(RunStatus status);

/// One job as `troupe jobs` lists it. Times are seconds since the Unix epoch
/// (0: not yet).
struct JobRecord {
  std::string id;  ///< `job-N`, N counting from 1, never reused
  std::string name;
  JobState state = JobState::queued;
  double submitted = 0.0;
  double started = 0.0;
  double finished = 0.0;
  std::int32_t rounds = 0;       ///< rounds the job asked for
  std::int32_t rounds_done = 0;  ///< rounds evaluated so far
  double accuracy = 0.0;         ///< the latest evaluated accuracy
  std::string note;              ///< why it failed or was cancelled
  double priority = 1.0;         ///< --priority: queued jobs start highest first
  double deadline_s = 0.0;       ///< --deadline, seconds after submission (0: none)
  std::int32_t preempted = 0;    ///< times it yielded to a job of higher priority (--preempt)
};

/// The index file's content: the jobs in id order and the next id's number.
struct JobIndex {
  std::int64_t next = 1;
  std::vector<JobRecord> jobs;
};

/// `job-N`; N is the serial number.
std::string job_id(std::int64_t serial);
/// N of `job-N`; empty for anything else (so that an id never names a path
/// outside the state directory).
std::optional<std::int64_t> job_serial(std::string_view id);

/// The index as JSON text.
std::string index_to_json(const JobIndex& index);
/// `{"jobs": [...]}` with the index's keys per job (`troupe jobs --json`).
std::string jobs_to_json(const std::vector<JobRecord>& jobs);
/// Parses an index; InputError naming `source` and the key when malformed.
JobIndex index_from_json(const std::string& text, const std::string& source);

/// Writes `text` to `path` through a temporary file and a rename, so that a
/// reader sees the old file or the new one, never a part. std::runtime_error
/// naming the path when it cannot.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace troupe::runtime
