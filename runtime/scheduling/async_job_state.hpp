#pragma once
/// \file
/// What an asynchronous job's scheduling core (runtime::AsyncJob) must keep
/// across a checkpoint to continue dispatching as it would have: the next task
/// id (task seeds derive from it), the updates accepted, the shards' order of
/// last use, each node's consecutive failures, the open round's tallies and
/// the training tasks in flight, which a resumed job starts again with the same
/// id, shard, seed and base version. Travels as JSON text inside the
/// checkpoint, which treats it as opaque.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/metrics.hpp"

namespace troupe::runtime {

/// A training task that was running when the state was taken.
struct InFlightTraining {
  std::int64_t id = 0;
  int round = 0;
  int shard = 0;
  std::uint64_t seed = 0;
  std::int64_t base_version = 0;
  std::string node;  ///< where it ran; a resumed job prefers that node again
};

struct AsyncJobState {
  std::int64_t next_id = 1;
  std::int64_t accepted = 0;
  /// Per shard: the rank of its last start among the shards' starts (0 =
  /// earliest), -1 when never started. Ties stay ties: shards started together
  /// share a rank, so the lowest index still wins among them.
  std::vector<int> shard_rank;
  std::map<std::string, int> failures;  ///< node -> consecutive failures
  std::vector<InFlightTraining> in_flight;
  // The open round's tallies since its last record.
  int round_updates = 0;
  int round_failed = 0;
  int round_dropped = 0;
  double round_staleness = 0.0;
  double round_loss = 0.0;
  std::int64_t round_samples = 0;
  models::ClassificationMetrics last_metrics;  ///< of the last evaluated round
};

/// The state as one line of JSON.
std::string async_job_state_to_json(const AsyncJobState& state);
/// Parses async_job_state_to_json's text; throws std::runtime_error naming the problem.
AsyncJobState async_job_state_from_json(const std::string& text);

}  // namespace troupe::runtime
