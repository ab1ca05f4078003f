#pragma once
/// \file
/// The scheduling core of a synchronous job, free of any transport: it
/// decomposes each round into tasks, has the online scheduling core
/// (runtime::OnlineScheduler, the same one the simulator runs) place them over
/// the nodes with the job's policy, tracks their states, re-places the runs of
/// failed tasks and lost nodes, and collects the round's results. The scheduler actor feeds it
/// events (task started, done, failed) and sends what it returns.
///
/// Round life cycle:
///   start_next_round -> training tasks dispatched -> training_complete()
///   -> aggregation (outside) -> evaluation task dispatched -> eval_done
///   -> next round, until finished().

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/metrics.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/core/federated_metrics.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/core/task_tracker.hpp"
#include "runtime/scheduling/backup_tasks.hpp"
#include "runtime/scheduling/online_scheduler.hpp"

namespace troupe::runtime {

/// A node as the scheduler knows it.
struct NodeInfo {
  std::string id;
  double speed = 1.0;     ///< relative throughput (1 = reference)
  int pinned_shard = -1;  ///< >= 0: the node holds only this shard's data
};

/// Attempts per shard and round (the first one plus reassignments).
inline constexpr int kMaxAttemptsPerShard = 3;

/// Headroom of per-round node capacity over the node's fair share of the work.
inline constexpr double kCapacityHeadroom = 1.25;

class SyncJob {
 public:
  /// `shard_sizes`: examples per shard (one shard per node slot of the job);
  /// `test_size`: examples in the test set.
  SyncJob(JobSpec job, std::vector<std::int64_t> shard_sizes, std::int64_t test_size,
          std::unique_ptr<Allocator> allocator, std::vector<NodeInfo> nodes);

  /// Replaces the node list; takes effect from the next round (nodes that
  /// joined mid-round are used from then on) and for reassignments.
  void set_nodes(std::vector<NodeInfo> nodes);

  /// Continues a checkpointed job: rounds 1..`round` are done, with `records`.
  void resume_after(int round, std::vector<RoundRecord> records);

  /// Decomposes and allocates the next round at `now`. Returns the ids of the
  /// round's training tasks that were placed, each assigned to a node. A shard
  /// no node can train waits (queued, see waiting()) when only pinned nodes are
  /// there and the join deadline has not passed (its node may still join);
  /// otherwise it is recorded as a failed task. Throws std::runtime_error
  /// when no training task and no evaluation task can be placed.
  std::vector<std::int64_t> start_next_round(Seconds now);

  /// Job time until which a shard waits for its node to join: the job's join
  /// timeout, counted like --min-nodes' wait from the job's submission.
  Seconds join_deadline() const { return job_.cluster.join_timeout_s; }
  /// Training tasks of the current round waiting for a node that holds their shard.
  const std::vector<std::int64_t>& waiting() const { return waiting_; }
  /// Assigns the waiting tasks whose shard a node of the current list (see
  /// set_nodes) can now train; returns their ids.
  std::vector<std::int64_t> place_waiting(Seconds now);
  /// Once the join deadline passed, fails the waiting tasks ("no node can
  /// train shard 1 (none joined within ...)"); returns their ids.
  std::vector<std::int64_t> expire_waiting(Seconds now);

  /// Fails every unfinished task of the current round on `node`; returns their ids.
  std::vector<std::int64_t> fail_tasks_on(const std::string& node, Seconds now,
                                          const std::string& reason);

  /// Replaces failed task `id` (of the current round) by a new task on another
  /// node, chosen by the allocator among the current nodes except the one that
  /// failed. Returns the new task's id, or nothing when no node can take it or
  /// the shard ran out of attempts (kMaxAttemptsPerShard).
  std::optional<std::int64_t> reassign(std::int64_t id, Seconds now);

  /// Ids of the current round's training tasks that delivered an update.
  std::vector<std::int64_t> accepted_updates() const;

  void task_started(std::int64_t id, Seconds now);
  void train_done(std::int64_t id, Seconds now, std::int64_t samples, double loss,
                  Seconds busy_s = -1.0);
  void task_failed(std::int64_t id, Seconds now, const std::string& reason);

  /// All training tasks of the current round are done or failed.
  bool training_complete() const;

  /// Updates the current round waits for: --clients-per-round, or every
  /// selected shard when that is 0.
  int round_target() const { return round_target_; }
  /// Seconds since the current round started.
  Seconds round_age(Seconds now) const { return now - round_started_; }
  /// The round may be aggregated now: every training task ended, or
  /// round_target() updates arrived (over-selection), or the deadline passed
  /// with at least --min-updates updates.
  bool round_closable(Seconds now) const;
  /// Closes the round's training: the tasks still open are cancelled (they do
  /// not count as failed); their updates, should they come, count as late.
  /// Returns the cancelled task ids.
  std::vector<std::int64_t> close_training(Seconds now, const std::string& why);
  /// A cancelled task's update arrived after its round closed.
  void late_arrival(std::int64_t id);
  /// True when task `id` was cancelled by close_training.
  bool cancelled(std::int64_t id) const { return cancelled_.count(id) > 0; }
  /// Records the aggregation of the current round: the round's tasks trained
  /// from `base`, and the accepted ones made `made` (when `changed`).
  void aggregated(std::int64_t base, std::int64_t made, bool changed);
  /// Training tasks of the current round that delivered an update.
  int updates_in_round() const;
  /// The current round's evaluation task (the latest attempt).
  const Task& eval_task() const { return tracker_.get(eval_id_); }
  /// Records the evaluation of global model `version`; ends the round.
  void eval_done(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics,
                 std::int64_t version);
  /// Records the central evaluation `id`'s metrics; the round ends with end_round.
  void central_done(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics);
  /// Ends the round that evaluated global model `version`: its record carries
  /// the central metrics and the federated evaluation, if any. Without a
  /// central evaluation (--eval federated) the round's metrics are the
  /// federated ones, and its evaluation task, which was not sent, is recorded
  /// as done now with the nodes' held-out examples.
  void end_round(Seconds now, std::int64_t version);

  // -- backup tasks for stragglers (--backup-after, --task-deadline; sync_job_backups.cpp) --
  /// Starts a backup copy of each training task of the round that is a
  /// straggler at `now` (runtime/scheduling/backup_tasks.hpp) on an idle node
  /// that may train its shard (not its own; the fastest first), at most one
  /// copy per shard and round; returns the copies' ids, assigned.
  std::vector<std::int64_t> start_backups(Seconds now);
  /// When the next running training task would become a straggler if nothing
  /// else happened (a tick is due then); nothing when the rule cannot apply yet.
  std::optional<Seconds> next_backup_check(Seconds now) const;
  /// Training task `id`'s node began computing it: its time counts from `now`.
  void task_computing(std::int64_t id, Seconds now);
  /// When task `id`'s node began computing it; kNever when it did not say.
  Seconds computing_at(std::int64_t id) const;
  /// Training task `id` delivered its update: its still-open twin (the backup
  /// copy, or the straggler it backed up) is cancelled and returned; its node
  /// counts as busy until its answer comes (settled()).
  std::optional<std::int64_t> cancel_twin(std::int64_t id, Seconds now);
  /// True when task `id` has a twin still open: a failure of `id` needs no
  /// replacement, the twin may still deliver the shard's update.
  bool covered(std::int64_t id) const;
  /// The answer (result or error) of a cancelled task came: its node is free.
  void settled(std::int64_t id) { draining_.erase(id); }
  /// Node `node` is still training a cancelled task (its answer has not come):
  /// new rounds leave it out while other nodes can take any shard.
  bool draining(const std::string& node) const;
  /// Nodes that can take any shard, without draining ones while others are there.
  std::vector<NodeInfo> free_nodes() const;
  /// Where a failed evaluation task may run again (see sync_job.cpp).
  std::vector<NodeInfo> evaluation_candidates(const std::string& failed_on) const;

  // -- federated evaluation (--eval federated|both; sync_job_held_out.cpp) --
  /// Adds one evaluation task per node of the current list that delivered an
  /// update this round, assigned to it (it evaluates on its own held-out
  /// examples); returns their ids.
  std::vector<std::int64_t> start_held_out_evals(Seconds now);
  /// True when `id` is one of the current round's federated evaluation tasks.
  bool held_out(std::int64_t id) const;
  /// Records federated evaluation task `id`'s metrics (its node's held-out examples).
  void held_out_done(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics);
  /// Every federated evaluation task of the round ended (done or failed).
  bool held_out_complete() const;
  /// The round's federated evaluation so far: failed tasks named, left out of the metrics.
  FederatedRecord held_out_record() const;

  // -- joint placement (--share-nodes): the scheduler places the round's tasks --
  /// With `joint`, start_next_round leaves the training tasks that a free node
  /// may train unplaced (runnable()): the scheduler places them in its one
  /// allocation over every job's runnable tasks
  /// (runtime/allocation/joint_placement.hpp), then calls place_runnable.
  void set_joint(bool joint) { joint_ = joint; }
  /// The current round's training tasks that wait for place_runnable.
  const std::vector<Task>& runnable() const { return runnable_; }
  /// Places the runnable tasks: `node_of` maps a task id to its node (a free
  /// node of the job). A shard stays on the node that trained it last where
  /// the placement allows (keep_shards_in_place). A task left out fails, for
  /// the caller to replace (reassign: another free node, or the same one when
  /// it is the only one). Returns the ids placed, each assigned. Until then
  /// the round cannot close (training_complete, round_closable).
  std::vector<std::int64_t> place_runnable(const std::map<std::int64_t, std::string>& node_of,
                                           Seconds now);

  int round() const { return round_; }
  bool finished() const { return round_ == job_.rounds && round_done_; }
  const JobSpec& job() const { return job_; }
  const TaskTracker& tracker() const { return tracker_; }
  const Task& task(std::int64_t id) const { return tracker_.get(id); }
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  /// Records of the rounds completed so far.
  const std::vector<RoundRecord>& rounds() const { return rounds_; }

  /// The report so far; `status`/`error` describe how the job ended.
  RunReport report(Seconds wall, RunStatus status, const std::string& error) const;

 private:
  JobSpec job_;
  std::vector<std::int64_t> shard_sizes_;
  std::int64_t test_size_;
  std::unique_ptr<Allocator> allocator_;
  std::vector<NodeInfo> nodes_;
  TaskTracker tracker_;
  std::vector<RoundRecord> rounds_;
  models::ClassificationMetrics last_metrics_;
  std::int64_t next_id_ = 1;
  int round_ = 0;
  bool round_done_ = true;
  Seconds round_started_ = 0.0;
  std::vector<std::int64_t> train_ids_;
  std::vector<std::int64_t> waiting_;  ///< train tasks waiting for their shard's node
  bool joint_ = false;
  std::vector<Task> runnable_;  ///< joint placement: train tasks waiting for the scheduler
  std::int64_t eval_id_ = -1;
  /// Shard -> the node its last training task was placed on (see keep_shards_in_place).
  std::map<int, std::string> shard_node_;
  /// The node the last evaluation task was placed on.
  std::string evaluator_;
  bool central_evaluated_ = false;  ///< central_done was called this round
  models::ClassificationMetrics central_metrics_;
  std::vector<std::int64_t> held_out_ids_;  ///< the round's federated evaluation tasks
  std::unordered_map<std::int64_t, models::ClassificationMetrics> held_out_metrics_;
  int round_target_ = 0;
  std::unordered_map<std::int64_t, int> cancelled_;  ///< task id -> its round
  std::unordered_map<int, int> late_;                ///< round -> late arrivals
  std::set<std::int64_t> late_seen_;                 ///< cancelled tasks whose update came
  /// Cancelled tasks whose node has not answered yet (still training them), by task id.
  std::unordered_map<std::int64_t, std::string> draining_;
  /// When each task's node began computing it (its word, task_computing).
  std::unordered_map<std::int64_t, Seconds> computing_at_;
  /// The open twin of training task `id` (its backup or the task it backs up); -1 if none.
  std::int64_t open_twin(std::int64_t id) const;
  /// The straggler rule's inputs: the durations of the round's delivered
  /// updates and the running tasks that may still get a backup.
  void backup_inputs(std::vector<Seconds>& finished, std::vector<RunningTask>& running) const;
  /// The job's backup rule (--backup-after, --task-deadline); none when both are off.
  std::optional<BackupRule> backup_rule() const;

  /// Why shard `shard` has no node, naming the join timeout it waited for.
  std::string no_node_for(int shard) const;
  /// The job's own placement of a round's tasks `requested` (indices into
  /// `tasks`) by the online core; fills their `node_of` and keeps shards in place.
  void place_requested(const AllocationRequest& request, std::vector<Task>& tasks,
                       const std::vector<std::size_t>& requested, Seconds now,
                       std::vector<std::string>& node_of);
  /// Keeps each shard on the node that trained it last where `tasks`, placed
  /// on `nodes` (empty: not placed), are interchangeable (keep_shards_in_place):
  /// sets their shards and seeds.
  void keep_in_place(const std::vector<Task*>& tasks, const std::vector<std::string>& nodes) const;
  /// Places one task among `candidates` with the allocator; -1 when it fits nowhere.
  int place_one(const Task& task, const std::vector<NodeInfo>& candidates) const;

  /// The online scheduling core places each round's allocatable tasks (all but
  /// pinned shards) and their replacements: tasks arrive at round start, a
  /// lost node's runs are re-queued, and a failed run is retried elsewhere.
  std::unique_ptr<OnlineScheduler> online_;
  /// Which run of the online core a tracker task is: its online id and attempt.
  struct Run {
    std::int64_t key = 0;
    int attempt = 0;
  };
  std::unordered_map<std::int64_t, Run> runs_;
  /// Placements made by the core that no reassign() has claimed yet, by online id.
  std::unordered_map<std::int64_t, Decision> pending_;
};

}  // namespace troupe::runtime
