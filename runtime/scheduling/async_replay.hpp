#pragma once
/// \file
/// Deterministic replay of an asynchronous run from its event log: every
/// logged update is trained again (same base version, shard, seed, attack)
/// and fed to a fresh AsyncAggregator in the logged arrival order. Training is
/// deterministic for a given seed and thread count, so the final model equals
/// the run's bit for bit; each event's outcome is checked against the log.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

struct EventLog {
  JobSpec job;
  std::vector<AsyncEvent> events;
};

/// Reads a log written by the aggregator (--event-log); throws
/// std::runtime_error naming the line on malformed or truncated input.
EventLog read_event_log(const std::string& path);

struct ReplayResult {
  std::int64_t events = 0;
  std::int64_t retrained = 0;
  std::int64_t version = 0;
  std::uint64_t fingerprint = 0;         ///< of the replayed final model
  std::uint64_t logged_fingerprint = 0;  ///< of the last version in the log
  std::vector<std::string> mismatches;   ///< events whose outcome differs from the log
  bool identical() const { return mismatches.empty() && fingerprint == logged_fingerprint; }
};

/// Replays `log`; `data_dir` overrides the job's data directory when not empty.
ReplayResult replay(const EventLog& log, const std::string& data_dir = {});

}  // namespace troupe::runtime
