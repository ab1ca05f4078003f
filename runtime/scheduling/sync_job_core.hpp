#pragma once
/// \file
/// The JobCore of a synchronous job: runtime::SyncJob's rounds as steps.
///
/// Round by round: the round's training tasks are placed (train steps); a
/// failed task is re-placed on another node (a new train step) until its shard
/// runs out of attempts; when the round may close (every task ended, enough
/// updates, or the deadline) the open stragglers are cancelled (release steps)
/// and the accepted updates aggregated (aggregate step); the new model is
/// evaluated (evaluate step; an evaluation that fails on every node fails the
/// job) — with --eval federated|both also by every node that delivered an
/// update, on its own held-out examples (one evaluate step with held_out per
/// node, not re-placed when it fails: the node is named in the round's
/// federated record and left out of its metrics); a checkpoint is written when one is due
/// (checkpoint step); then the next round starts, until the last (done step; degraded when rounds
/// lost shards without --allow-partial-rounds). A shard whose pinned node has not joined yet waits
/// for it until the join timeout (a node joining sends it a train step), then counts as lost.
/// With --backup-after, a training task far behind the round's finished ones
/// (or with --task-deadline, one computing longer than that) gets a backup copy on an idle node (a
/// train step); the first of the two to deliver is the shard's update and the other is cancelled (a
/// release step).

#include <memory>
#include <optional>

#include "runtime/scheduling/job_core.hpp"
#include "runtime/scheduling/sync_job.hpp"

namespace troupe::runtime {

class SyncJobCore final : public JobCore {
 public:
  /// Throws when the job's policy is unknown or its nodes cannot hold it.
  explicit SyncJobCore(JobCoreInputs inputs);

  const TaskTracker& tracker() const override { return job_->tracker(); }
  int round() const override { return job_->round(); }
  const std::vector<RoundRecord>& rounds() const override { return job_->rounds(); }
  RunReport report(Seconds wall, RunStatus status, const std::string& error) const override;
  Seconds computing_at(std::int64_t id) const override { return job_->computing_at(id); }
  std::vector<RunnableTask> runnable() const override;

 private:
  Steps on_start(Seconds now) override;
  void on_task_started(std::int64_t id, Seconds now) override;
  Steps on_task_computing(std::int64_t id, Seconds now) override;
  Steps on_train_done(std::int64_t id, Seconds now, const TrainResult& result) override;
  Steps on_evaluated(std::int64_t id, Seconds now,
                     const models::ClassificationMetrics& metrics) override;
  Steps on_task_failed(std::int64_t id, Seconds now, const std::string& why) override;
  Steps on_node_lost(const std::string& node, Seconds now, const std::string& why) override;
  Steps on_nodes_changed(Seconds now) override;
  Steps on_aggregated(const AggregationResult& result, Seconds now) override;
  Steps on_aggregation_failed(const std::string& why) override;
  Steps on_checkpointed(Seconds now) override;
  Steps on_place(const std::map<std::int64_t, std::string>& node_of, Seconds now) override;
  bool can_pause() const override { return true; }
  Steps on_tick(Seconds now) override;

  Step train_step(std::int64_t id) const;
  Step eval_step(std::int64_t id) const;
  /// Places the next round's training tasks on the nodes of the view.
  Steps start_round(Seconds now);
  /// The job's last step: done, or degraded when rounds lost shards and the
  /// job does not allow partial rounds.
  Step final_step() const;
  /// After an evaluation (and its checkpoint): the next round, or done.
  Steps next_round(Seconds now);
  /// Re-places failed task `id`; false (with a failed step) when the job cannot go on.
  bool replace_failed(std::int64_t id, const std::string& why, Seconds now, Steps& out);
  /// Closes the round and asks for its aggregation once it may close.
  void aggregate_if_complete(Seconds now, Steps& out);
  /// With --backup-after or --task-deadline: backup copies of the round's stragglers (train
  /// steps), and a wake step for when the next running task would become one.
  void start_backups(Seconds now, Steps& out);
  /// Once the round's evaluations (central, federated, or both) ended: its
  /// record (announce), a checkpoint when due, then the next round or done.
  Steps end_round_if_evaluated(Seconds now);

  JobSpec spec_;
  NodeView view_;
  std::optional<ResumePoint> resume_;
  std::unique_ptr<SyncJob> job_;
  bool aggregating_ = false;        ///< an aggregate step awaits its answer
  bool evaluating_ = false;         ///< the round's model exists and its evaluation was sent
  bool central_ = true;             ///< --eval central|both: one node evaluates on the test set
  bool federated_ = false;          ///< --eval federated|both: every node on its held-out examples
  std::optional<Seconds> wake_at_;  ///< the latest wake step asked for (backup tasks)
};

}  // namespace troupe::runtime
