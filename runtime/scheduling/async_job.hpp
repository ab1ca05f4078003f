#pragma once
/// \file
/// The scheduling core of an asynchronous job (FedAsync or FedBuff), free of
/// any transport. Every usable node holds one training task at a time and is
/// re-tasked as soon as it finishes; the aggregator mixes updates on arrival.
/// Every `nodes` accepted updates make one "round": the then-current global
/// version is evaluated on a node that has just become idle. After
/// rounds x nodes accepted updates no new training starts; the tasks still
/// running are drained and the final version is evaluated.
///
/// Which shard a node trains: its own when pinned; otherwise the shard trained
/// least recently and not in flight (lowest index first), so at the start node
/// i takes shard i and a lost node's shard passes to the next free node.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/metrics.hpp"
#include "runtime/aggregation/update_receipt.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/core/task_tracker.hpp"
#include "runtime/scheduling/async_job_state.hpp"
#include "runtime/scheduling/sync_job.hpp"

namespace troupe::runtime {

/// Consecutive failures after which a node gets no more tasks in this job.
inline constexpr int kMaxConsecutiveFailures = 3;

class AsyncJob {
 public:
  AsyncJob(JobSpec job, std::vector<std::int64_t> shard_sizes, std::int64_t test_size,
           std::vector<NodeInfo> nodes);

  /// Replaces the usable nodes (joined or lost ones); idle new nodes get work at the next fill().
  void set_nodes(std::vector<NodeInfo> nodes);

  /// Training tasks to start now on idle usable nodes at global `version`,
  /// while more updates are wanted. Returns their ids (assigned).
  std::vector<std::int64_t> fill(Seconds now, std::int64_t version);

  /// The evaluation task to start now, when a round is due and a node is idle
  /// (it gets the evaluation before any new training).
  std::optional<std::int64_t> next_eval(Seconds now, std::int64_t version);

  void task_started(std::int64_t id, Seconds now);
  /// A training task ended with the aggregator's receipt (accepted or refused).
  void train_done(std::int64_t id, Seconds now, std::int64_t samples, double loss, Seconds busy_s,
                  const UpdateReceipt& receipt);
  /// The node dropped the task (simulated drop-out): no update, no reassignment.
  void train_dropped(std::int64_t id, Seconds now, const std::string& reason);
  /// A task failed (error, timeout): its node is free again; an evaluation is redone.
  void task_failed(std::int64_t id, Seconds now, const std::string& reason);
  /// Fails every open task on `node`; returns their ids.
  std::vector<std::int64_t> fail_tasks_on(const std::string& node, Seconds now,
                                          const std::string& reason);
  void eval_done(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics,
                 std::int64_t version);

  /// The final evaluation is due (every update is in); the aggregator's
  /// buffer should be flushed before it starts.
  bool final_pending() const { return eval_due() && round() + 1 == job_.rounds; }

  /// Tasks of this job still running (or assigned).
  int in_flight() const;
  std::int64_t accepted() const { return accepted_; }
  /// True when the job cannot progress: no usable node left and work remains.
  bool stuck() const;
  bool finished() const { return static_cast<int>(rounds_.size()) >= job_.rounds; }
  int round() const { return static_cast<int>(rounds_.size()); }
  const JobSpec& job() const { return job_; }
  const Task& task(std::int64_t id) const { return tracker_.get(id); }
  const TaskTracker& tracker() const { return tracker_; }
  const std::vector<RoundRecord>& rounds() const { return rounds_; }

  RunReport report(Seconds wall, RunStatus status, const std::string& error) const;

  /// What a checkpoint keeps to continue this job (see AsyncJobState).
  AsyncJobState state() const;
  /// Continues a checkpointed job before its first fill(): `rounds` are the
  /// rounds it had evaluated; its tasks in flight are started again, first,
  /// with their own ids, shards, seeds and base versions. Throws
  /// std::runtime_error when the state does not fit the job (its shards).
  void restore(const AsyncJobState& state, std::vector<RoundRecord> rounds);

 private:
  bool usable(const std::string& node) const;
  bool idle(const std::string& node) const;
  int pick_shard(const NodeInfo& node) const;
  std::int64_t target() const;
  bool eval_due() const;
  void node_free(const std::string& node, bool failed);
  /// Starts the restored in-flight tasks again on idle usable nodes.
  void restart_in_flight(Seconds now, std::vector<std::int64_t>& started);

  JobSpec job_;
  std::vector<std::int64_t> shard_sizes_;
  std::int64_t test_size_;
  std::vector<NodeInfo> nodes_;
  TaskTracker tracker_;
  std::vector<RoundRecord> rounds_;
  models::ClassificationMetrics last_metrics_;
  std::int64_t next_id_ = 1;
  std::map<std::string, std::int64_t> busy_;  ///< node -> its open task
  std::map<std::string, int> failures_;       ///< node -> consecutive failures
  std::set<int> shards_in_flight_;
  std::vector<Seconds> shard_last_started_;
  std::int64_t accepted_ = 0;
  std::int64_t eval_id_ = -1;               ///< the open evaluation task, or -1
  std::vector<InFlightTraining> restarts_;  ///< restored tasks not started again yet
  // Since the last round record.
  Seconds round_started_ = 0.0;
  int round_updates_ = 0;
  int round_failed_ = 0;
  int round_dropped_ = 0;
  double round_staleness_ = 0.0;
  double round_loss_ = 0.0;
  std::int64_t round_samples_ = 0;
};

}  // namespace troupe::runtime
