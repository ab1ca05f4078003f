#pragma once
/// \file
/// Checkpoints of a running job: the global model and its version, the round,
/// the aggregation strategy's state (optimiser moments), the rounds completed
/// and the ids of the updates already applied, so that a restarted aggregator
/// or scheduler continues without applying an update twice. Asynchronous jobs
/// (format 2) add the aggregator's held versions and FedBuff buffer and the
/// job core's state (tasks in flight, counters). Pure file I/O (cereal binary
/// archive); nothing here knows about actors.
///
/// File layout (`DIR/checkpoint.bin`), little-endian header then payload:
///
///   magic "TRPCKPT1" (8 bytes) | format version u32 | reserved u32 |
///   payload bytes u64 | CRC-32 of the payload u32 | reserved u32 | payload
///
/// Writes are atomic: the file is written under a temporary name, flushed to
/// disk (fsync), renamed over the old one and the directory flushed, so a crash
/// leaves either the old or the new checkpoint, never a torn one.

#include <cstdint>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/aggregation/async_aggregator_state.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Format version written by write_checkpoint. read_checkpoint also reads
/// formats 1 (sync jobs only, before asynchronous checkpoints) and 2 (before
/// the job's TorchScript bytes) and refuses others.
inline constexpr std::uint32_t kCheckpointFormat = 3;

/// Everything a job needs to continue after its aggregator or scheduler died.
struct Checkpoint {
  JobSpec job;
  Mode mode = Mode::sync;                          ///< the job's execution mode
  models::Parameters model;                        ///< the global model
  std::int64_t version = 0;                        ///< its version
  std::int32_t round = 0;                          ///< last completed round
  std::vector<models::Parameters> strategy_state;  ///< e.g. server optimiser moments
  std::vector<RoundRecord> rounds;                 ///< rounds completed so far
  std::vector<std::int64_t> applied_updates;       ///< ids of updates already in `model`
  std::int64_t async_events = 0;                   ///< updates applied in asynchronous modes
  /// Asynchronous modes: the aggregator's held versions, buffer and arrivals (format 2).
  AsyncAggregatorState async;
  /// Asynchronous modes: the job core's state as the scheduler saved it (format 2;
  /// runtime/scheduling/async_job_state.hpp). Opaque here.
  std::string core_state;
};

/// The checkpoint file inside `dir`.
std::string checkpoint_path(const std::string& dir);

/// Empty when `dir` can hold checkpoints: it is created if missing, must be a
/// directory, and a file must be creatable in it (a probe file is written and
/// removed). Else the problem as a sentence naming --checkpoint-dir and `dir`.
std::string checkpoint_dir_problem(const std::string& dir);

/// Writes `cp` to checkpoint_path(dir) atomically (creates `dir` if needed).
/// Throws std::runtime_error naming the file and the reason when it cannot.
void write_checkpoint(const std::string& dir, const Checkpoint& cp);

/// Reads the checkpoint in `dir`. Throws std::runtime_error naming the file
/// when it is missing, truncated, of another format version, fails its
/// checksum, or holds an inconsistent model, or when its mode and its
/// asynchronous state disagree (an async job without it, a sync job with it).
Checkpoint read_checkpoint(const std::string& dir);

}  // namespace troupe::runtime
