#pragma once
/// \file
/// The result of a run: configuration, every task, per-round metrics, the final
/// model's metrics, per-node use and efficiency. Written as terminal tables and
/// as JSON with stable top-level keys (config, tasks, rounds, final, nodes,
/// efficiency), the one format later tools read.

#include <cstdint>
#include <string>
#include <vector>

#include "models/metrics.hpp"
#include "runtime/core/federated_metrics.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/privacy_record.hpp"
#include "runtime/core/provenance.hpp"
#include "runtime/core/task.hpp"

namespace troupe::runtime {

/// What secure aggregation did in a round (all zero when the job does not use it).
/// Buffered mode adds up the round's buffers.
struct SecureSumRecord {
  int participants = 0;  ///< tasks that advertised keys (joined a secure sum)
  int included = 0;      ///< whose masked inputs are in the sum
  int recovered =
      0;  ///< dropped after sharing keys; their masks were removed from the survivors' shares
  int excluded = 0;  ///< joined but not in the sum (dropped before sharing, refused input)
  int sums = 0;      ///< secure sums completed (sync: 0 or 1; buffered: buffers)
};

struct RoundRecord {
  /// A record with the evaluation's metrics filled in.
  static RoundRecord evaluated(int round, std::int64_t version,
                               const models::ClassificationMetrics& m);

  int round = 0;
  std::int64_t version = 0;  ///< global model version evaluated
  double accuracy = 0.0;
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  double loss = 0.0;            ///< test loss of the global model
  double train_loss = 0.0;      ///< sample-weighted mean of the nodes' training losses
  double seconds = 0.0;         ///< round start to evaluation done
  int updates = 0;              ///< training tasks that delivered an update
  int failed = 0;               ///< training tasks that did not
  int late = 0;                 ///< sync: updates that arrived after the round closed
  int dropped = 0;              ///< updates the aggregator refused (too stale) or nodes dropped
  double mean_staleness = 0.0;  ///< asynchronous modes: over the round's accepted updates
  int backups = 0;              ///< sync: backup copies started for stragglers (--backup-after)
  int backups_won = 0;          ///< sync: backup copies whose update the round took
  /// Sync: the shards whose work the round lost (no attempt delivered an
  /// update; stragglers cancelled by design are not lost). Always empty in the
  /// asynchronous modes, where a failed task is replaced by the next one.
  std::vector<int> lost_shards;
  /// --eval federated|both: the nodes' evaluations on their held-out examples.
  /// With --eval federated the metrics above are its combined metrics (the
  /// round's only evaluation).
  FederatedRecord federated;
  /// --secure-aggregation: the round's secure sums.
  SecureSumRecord secure;

  /// The round trained on less than it was meant to.
  bool degraded() const { return !lost_shards.empty(); }
};

/// A global model version and the updates (training task ids) that made it.
struct VersionRecord {
  std::int64_t version = 0;
  std::vector<std::int64_t> tasks;
};

/// One heartbeat's view of a node, for the report's utilisation over time.
struct UsagePoint {
  double t = 0.0;                      ///< seconds since the job started
  double cpu = 0.0;                    ///< process CPU utilisation (0..1 of all cores)
  std::uint64_t rss = 0;               ///< bytes
  std::uint64_t memory_available = 0;  ///< bytes, system-wide
  std::uint64_t disk_free = 0;         ///< bytes, where the node's data lives
  double gpu = -1.0;                   ///< mean GPU utilisation (0..1); -1 unknown or no GPU
  std::uint64_t gpu_memory_used = 0;   ///< bytes, summed over GPUs
  std::uint64_t bytes_sent = 0;        ///< process counters at this time (cumulative)
  std::uint64_t bytes_received = 0;
};

struct NodeRecord {
  std::string id;
  int tasks = 0;
  double busy_s = 0.0;
  double utilisation = 0.0;          ///< busy time / makespan
  std::uint64_t bytes_sent = 0;      ///< model bytes the node sent during the job
  std::uint64_t bytes_received = 0;  ///< model bytes the node received during the job
  double transfer_rate = 0.0;        ///< bytes/s of its latest model fetch (0: none measured)
  std::vector<UsagePoint> usage;     ///< heartbeat samples during the job, in time order
};

struct Efficiency {
  double makespan_s = 0.0;         ///< first task start to last task end
  double mean_completion_s = 0.0;  ///< mean of (finished - queued) over done tasks
  double p95_completion_s = 0.0;
  double utilisation = 0.0;  ///< summed busy time / (nodes x makespan)
};

/// The checkpoints a job with --checkpoint-dir wrote, and those it could not
/// write (disk full, directory removed, permission lost): a failed write does
/// not stop the job unless --checkpoint-required, so the report says it.
struct CheckpointRecord {
  int written = 0;
  int failed = 0;
  int last_written_round = 0;  ///< the round the newest good checkpoint holds (0: none)
  std::string last_error;      ///< why the latest failed write failed
};

/// The data one node trained on in a job where nodes bring their own
/// examples (`troupe node --data`): what it registered. FedAvg weighs the
/// node's updates by `examples`.
struct NodeDataRecord {
  std::string node;
  int shard = -1;             ///< the job's shard number for the node's data
  std::int64_t examples = 0;  ///< the count it registered (its weight)
  std::vector<std::int64_t> label_histogram;
  std::string source;  ///< the path the node read
  std::string error;   ///< why the node was left out of the job (shard -1), or empty
};

/// A job's place at its scheduler: its priority, how long it waited in the
/// queue and ran, and its deadline (--priority, --deadline).
struct JobTiming {
  double priority = 1.0;
  double deadline_s = 0.0;    ///< 0: none
  double waiting_s = 0.0;     ///< submission to the start of its (first) set-up
  double completion_s = 0.0;  ///< submission to its end
  /// 1 met, 0 missed, -1 no deadline.
  int deadline_met = -1;
  int preempted = 0;      ///< times it yielded to a job of higher priority (--preempt)
  double paused_s = 0.0;  ///< time spent queued again after yielding
  /// Its training tasks that a --preempt job's task of higher priority
  /// interrupted on a shared node, each run again from its start.
  int tasks_yielded = 0;
  /// Shared nodes: its training tasks the scheduler placed in its one
  /// allocation over every job's runnable tasks, and those of them placed in
  /// an allocation that held another job's tasks too.
  int placed_jointly = 0;
  int placed_with_others = 0;
};

/// One node's device on the virtual clock (runtime/simulation/device_profile.hpp).
struct VirtualDevice {
  std::string node;
  double examples_per_s = 0.0;
  double bandwidth_mbps = 0.0;
  double latency_ms = 0.0;
  bool straggler = false;  ///< one of the profile's stragglers
};

/// Which clock the report's times are on: the wall clock ("wall"), or the
/// virtual clock of a device profile ("virtual", troupe run --clock virtual),
/// where rounds, tasks and wall_s are virtual seconds.
struct ClockRecord {
  std::string kind = "wall";
  std::string device_profile;          ///< virtual: the profile's name or file
  double real_s = 0.0;                 ///< virtual: wall-clock seconds the run took
  std::vector<VirtualDevice> devices;  ///< virtual: each node's device
  bool is_virtual() const { return kind == "virtual"; }
};

struct RunReport {
  /// The scheduler's id of the job (`job-N`); empty for runs without a scheduler.
  std::string job_id;
  RunStatus status = RunStatus::ok;
  std::string error;     ///< why it failed
  std::string policy;    ///< allocation policy used
  std::string strategy;  ///< aggregation strategy used
  JobSpec config;
  std::vector<Task> tasks;
  std::vector<RoundRecord> rounds;
  std::vector<VersionRecord> versions;  ///< every global version and its updates
  Mode mode = Mode::sync;
  int resumed_from_round = 0;  ///< > 0: continued from a checkpoint after this round
  models::ClassificationMetrics final_metrics;
  std::string model_fingerprint;  ///< hex fingerprint of the final global model
  std::vector<NodeRecord> nodes;
  Efficiency efficiency;
  double wall_s = 0.0;
  CheckpointRecord checkpoints;
  /// Local-data jobs: each training node's data, in shard order; else empty.
  std::vector<NodeDataRecord> node_data;
  std::int64_t test_size = 0;  ///< examples central evaluation measures on (--test-data's count)
  Provenance provenance;       ///< which troupe ran it, when, where, from what command
  PrivacyRecord privacy;       ///< --dp: what differential privacy spent (mode none without)
  JobTiming job;               ///< priority, queue wait, completion, deadline
  ClockRecord clock;           ///< wall or virtual times
};

/// The versions the training tasks' updates went into (Task::version), grouped.
std::vector<VersionRecord> versions_of(const std::vector<Task>& tasks);

/// Fills `nodes` (one per id, in the given order) and `efficiency` from `tasks`.
void summarise(RunReport& report, const std::vector<std::string>& node_ids);

/// The p-th percentile (0..100) with linear interpolation; 0 for no values.
double percentile(std::vector<double> values, double p);

}  // namespace troupe::runtime
