#pragma once
/// \file
/// One interface over the scheduling cores of a job, synchronous
/// (runtime::SyncJob) and asynchronous (runtime::AsyncJob). The scheduler
/// actor feeds a core events — a task started, ended with its outcome, failed;
/// the node set changed; an aggregation, checkpoint or evaluation finished; a
/// tick of the clock — and sends what the core answers: a list of Steps. The
/// core never sees a transport, a clock or a node handle: the time comes with
/// every event and the usable nodes through a NodeView, so tests drive it by
/// hand.
///
/// Contract (tests/runtime/scheduling/job_core_contract_test.cpp runs it over
/// every core the factory makes):
///   - a train or evaluate step names a task assigned to a node of the view;
///   - the driver answers each such step with task_started, or with
///     task_failed when it cannot reach the node; it passes on the node's
///     word that the task began computing (task_computing);
///   - a wake step asks for a tick at its time;
///   - every task ends with exactly one of train_done / evaluated /
///     task_failed, or is lost with its node (node_lost);
///   - an aggregate or flush step is answered with aggregated or
///     aggregation_failed, a checkpoint step with checkpointed or
///     checkpoint_failed;
///   - after a done or failed step the core has nothing more to say.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/metrics.hpp"
#include "runtime/allocation/joint_placement.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/core/task.hpp"
#include "runtime/scheduling/async_job.hpp"
#include "runtime/scheduling/job_step.hpp"
#include "runtime/scheduling/sync_job.hpp"

namespace troupe::runtime {

/// The nodes a job may use now, as the driver sees them.
struct UsableNodes {
  std::vector<NodeInfo> nodes;
  /// Why alive nodes are left out ("; node X: free memory ..."), appended to
  /// the reason when the job cannot be placed.
  std::string held_back;
};

/// Asked whenever a core needs the current nodes (a round starts, a node
/// joined or was lost).
using NodeView = std::function<UsableNodes()>;

/// A training task's result as the node reported it.
struct TrainResult {
  std::int64_t samples = 0;
  double loss = 0.0;
  Seconds busy_s = -1.0;
  bool dropped = false;   ///< simulated drop-out: no update was sent
  UpdateReceipt receipt;  ///< the aggregator's answer to the update
};

/// The aggregator's answer to an aggregate or flush step.
struct AggregationResult {
  std::int64_t version = 0;
  bool changed = false;  ///< false: the strategy kept the current model
  std::uint64_t fingerprint = 0;
  double clip_norm = 0.0;  ///< central DP: the clip norm this aggregation used (0: none)
  SecureSumRecord secure;  ///< secure aggregation: the sum's counts (added to the round's record)
};

/// Where a resumed job continues: rounds 1..`round` are done.
struct ResumePoint {
  int round = 0;
  std::vector<RoundRecord> records;
  std::uint64_t fingerprint = 0;  ///< of the checkpointed model
  /// Asynchronous modes: the core's state as checkpointed (AsyncJobState as JSON).
  std::string core_state;
};

/// A task that waits for the driver's joint placement (see JobCoreInputs::joint).
struct RunnableTask {
  std::int64_t id = 0;
  double examples = 0.0;           ///< its work
  std::vector<std::string> nodes;  ///< the nodes of the view it may run on
};

/// Everything a core is made from once the job is set up.
struct JobCoreInputs {
  JobSpec spec;
  std::vector<std::int64_t> shard_sizes;  ///< examples per shard
  std::int64_t test_size = 0;
  std::int64_t version = 0;  ///< the aggregator's global version after set-up
  std::optional<ResumePoint> resume;
  NodeView nodes;
  /// The driver places the job's tasks together with other jobs' (one
  /// allocation over every job's runnable tasks, --share-nodes): a
  /// synchronous round's training tasks for free nodes then wait, runnable(),
  /// until place(). Asynchronous cores place their own tasks either way.
  bool joint = false;
};

/// Drives one job. The public calls are the events; each answers the steps to
/// take now. They check the shared rules once (after a final step the core
/// is silent) and hand the event to the implementation's on_* hook.
class JobCore {
 public:
  virtual ~JobCore() = default;
  JobCore(const JobCore&) = delete;
  JobCore& operator=(const JobCore&) = delete;

  /// The job begins at `now` (nodes and aggregator are set up).
  Steps start(Seconds now) { return ended_ ? Steps{} : seal(on_start(now)); }
  /// The driver sent task `id` to its node.
  void task_started(std::int64_t id, Seconds now);
  /// Task `id`'s node began computing it (it had waited for its node's
  /// earlier tasks and for a compute slot). Nodes say so once per task; a
  /// node that never does leaves the task out of the straggler rule.
  Steps task_computing(std::int64_t id, Seconds now) {
    return ended_ ? Steps{} : seal(on_task_computing(id, now));
  }
  /// Training task `id` ended with `result` (ignored when the task already ended).
  Steps train_done(std::int64_t id, Seconds now, const TrainResult& result) {
    return ended_ ? Steps{} : seal(on_train_done(id, now, result));
  }
  /// Evaluation task `id` ended with `metrics` (ignored when the task already ended).
  Steps evaluated(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics) {
    return ended_ ? Steps{} : seal(on_evaluated(id, now, metrics));
  }
  /// Task `id` failed (error, timeout, unknown node); ignored when it already ended.
  Steps task_failed(std::int64_t id, Seconds now, const std::string& why) {
    return ended_ ? Steps{} : seal(on_task_failed(id, now, why));
  }
  /// Node `node` is gone: its open tasks fail; the view no longer lists it.
  Steps node_lost(const std::string& node, Seconds now, const std::string& why) {
    return ended_ ? Steps{} : seal(on_node_lost(node, now, why));
  }
  /// The view changed (a node joined and is set up).
  Steps nodes_changed(Seconds now) { return ended_ ? Steps{} : seal(on_nodes_changed(now)); }
  /// The aggregator answered an aggregate or flush step.
  Steps aggregated(const AggregationResult& result, Seconds now) {
    if (ended_) return {};
    if (result.clip_norm > 0.0) clip_norms_.push_back(result.clip_norm);
    add_secure(result.secure);
    return seal(on_aggregated(result, now));
  }
  Steps aggregation_failed(const std::string& why) {
    return ended_ ? Steps{} : seal(on_aggregation_failed(why));
  }
  /// Buffered secure aggregation: the aggregator applied (or, with no new
  /// version, gave up on) one secure buffer on its own; its counts go into
  /// the next announced round and its version is what the job trains and
  /// evaluates from then on.
  Steps secure_buffer(const AggregationResult& result, Seconds now) {
    if (ended_) return {};
    add_secure(result.secure);
    return seal(on_secure_buffer(result, now));
  }
  /// The checkpoint step was carried out.
  Steps checkpointed(Seconds now);
  /// The checkpoint step after `round` failed because of `why`: with
  /// --checkpoint-required the job fails; else it goes on and the failure is
  /// counted in checkpoints().
  Steps checkpoint_failed(int round, Seconds now, const std::string& why);
  /// Tasks that wait for the driver's joint placement (JobCoreInputs::joint).
  /// After any event, the driver places them (place) before the next event.
  virtual std::vector<RunnableTask> runnable() const { return {}; }
  /// The driver's joint placement: `node_of` maps runnable task ids to nodes
  /// of the view; a task it leaves out is re-placed by the core or lost.
  Steps place(const std::map<std::int64_t, std::string>& node_of, Seconds now) {
    return ended_ ? Steps{} : seal(on_place(node_of, now));
  }
  /// Time passes: deadlines may have expired.
  Steps tick(Seconds now) { return ended_ ? Steps{} : seal(on_tick(now)); }
  /// Asks the job to yield at its next round boundary (preemption): it then
  /// asks for a checkpoint (Step::pause_checkpoint, or the checkpoint due
  /// anyway) and, once it is written, ends with Step::paused; the driver
  /// resumes it from there later. A failed checkpoint puts the pause off to
  /// the next boundary. False when this core cannot pause (asynchronous
  /// modes) or the job ended; a job in its last round ends instead.
  bool request_pause() {
    if (ended_ || !can_pause()) return false;
    pause_requested_ = true;
    return true;
  }
  bool pause_requested() const { return pause_requested_; }
  /// Takes a pause request back (the job that asked for it was cancelled);
  /// false once its checkpoint is being written: the pause then happens.
  bool withdraw_pause() {
    if (pausing_) return false;
    pause_requested_ = false;
    return true;
  }

  /// True after a done or failed step.
  bool ended() const { return ended_; }
  /// True when `id` is a task of this job that has not ended yet.
  bool open(std::int64_t id) const;
  /// A task of this job; throws for an unknown id.
  const Task& task(std::int64_t id) const { return tracker().get(id); }
  virtual const TaskTracker& tracker() const = 0;
  virtual int round() const = 0;
  virtual const std::vector<RoundRecord>& rounds() const = 0;
  /// When task `id`'s node began computing it; kNever when it did not say (yet).
  virtual Seconds computing_at(std::int64_t id) const {
    (void)id;
    return kNever;
  }
  /// The latest global model version the core knows of, and its fingerprint (0: none).
  std::int64_t version() const { return version_; }
  std::uint64_t fingerprint() const { return fingerprint_; }
  /// The checkpoints written and failed so far (the report's "checkpoints").
  const CheckpointRecord& checkpoints() const { return checkpoints_; }
  /// The report so far; `status`/`error` describe how the job ended.
  virtual RunReport report(Seconds wall, RunStatus status, const std::string& error) const = 0;

 protected:
  /// A core that starts from global `version`, whose model has `fingerprint` (0: unknown).
  JobCore(std::int64_t version, std::uint64_t fingerprint)
      : version_(version), fingerprint_(fingerprint) {}

  std::int64_t version_ = 0;       ///< the latest global version the core knows of
  std::uint64_t fingerprint_ = 0;  ///< of `version_`'s model, when known
  bool pause_requested_ = false;   ///< request_pause was called
  /// The checkpoint step in flight is the one a pause waits for; `pause_only_`:
  /// it is written only for the pause (not counted among the job's checkpoints).
  bool pausing_ = false;
  bool pause_only_ = false;

  /// Fills the report's privacy record (--dp) and restores the rounds the job
  /// asked for, where --dp-target-epsilon cut them short.
  void add_privacy(RunReport& report) const;

 private:
  virtual Steps on_start(Seconds now) = 0;
  virtual void on_task_started(std::int64_t id, Seconds now) = 0;
  virtual Steps on_task_computing(std::int64_t id, Seconds now) {
    (void)id, (void)now;
    return {};
  }
  virtual Steps on_train_done(std::int64_t id, Seconds now, const TrainResult& result) = 0;
  virtual Steps on_evaluated(std::int64_t id, Seconds now,
                             const models::ClassificationMetrics& metrics) = 0;
  virtual Steps on_task_failed(std::int64_t id, Seconds now, const std::string& why) = 0;
  virtual Steps on_node_lost(const std::string& node, Seconds now, const std::string& why) = 0;
  virtual Steps on_nodes_changed(Seconds now) = 0;
  virtual Steps on_aggregated(const AggregationResult& result, Seconds now) = 0;
  virtual Steps on_aggregation_failed(const std::string& why) = 0;
  /// A secure buffer ended (a new version when `result.changed`); only
  /// asynchronous cores get one.
  virtual Steps on_secure_buffer(const AggregationResult& result, Seconds now) {
    (void)result, (void)now;
    return {};
  }
  virtual Steps on_checkpointed(Seconds now) = 0;
  virtual Steps on_place(const std::map<std::int64_t, std::string>& node_of, Seconds now) {
    (void)node_of, (void)now;
    return {};
  }
  virtual Steps on_tick(Seconds now) = 0;
  /// Whether the core can stop at a round boundary and be resumed from there.
  virtual bool can_pause() const { return false; }

  /// Silences the core once it ended; keeps the steps up to the final one.
  /// Also gives each announced round record the secure sums aggregated since
  /// the last one.
  Steps seal(Steps steps);
  /// Counts a secure sum towards the next announced round.
  void add_secure(const SecureSumRecord& sum);

  bool ended_ = false;
  CheckpointRecord checkpoints_;
  bool checkpoint_required_ = false;              ///< set by make_job_core from the spec
  int requested_rounds_ = 0;                      ///< --rounds, before the privacy budget's cut
  std::vector<double> clip_norms_;                ///< central DP: each aggregation's clip norm
  SecureSumRecord secure_pending_;                ///< secure sums since the last announced round
  std::map<int, SecureSumRecord> secure_rounds_;  ///< each announced round's secure sums
  friend std::unique_ptr<JobCore> make_job_core(JobCoreInputs inputs);
};

/// One job in hand, as the driver's joint placement sees it.
struct JointJob {
  const JobCore* core = nullptr;
  double priority = 1.0;  ///< the job's --priority: its tasks' weight
  bool preempt = false;   ///< its tasks stop a lower job's task that computes (--preempt)
  /// The examples per second node `id` trains the job's model at (one unit
  /// for every job of the step); 0 or less: unknown.
  std::function<double(const std::string& id)> speed;
};

/// A joint step's placement.
struct JointPlan {
  /// Per job (same order as the input): runnable task id -> node.
  std::vector<std::map<std::int64_t, std::string>> node_of;
  std::size_t tasks = 0;  ///< runnable tasks in the step
  std::size_t jobs = 0;   ///< jobs with runnable tasks in the step
  JointStep step;         ///< the allocation, over the step's nodes
};

/// One allocation over the runnable tasks of every job of `jobs`
/// (runtime/allocation/joint_placement.hpp). A node holds, over its speed for
/// each task's model, the tasks sent to it (running) and not ended of the
/// jobs at or above the lowest priority among those with runnable tasks (it
/// runs its queue highest priority first), and the tasks of lower jobs that
/// compute on it (a task is not interrupted, unless every job with runnable
/// tasks has --preempt).
JointPlan plan_joint_step(const std::vector<JointJob>& jobs, const Allocator& policy);

/// The core for the job's mode: synchronous rounds, or FedAsync / FedBuff.
/// Throws std::runtime_error (or std::invalid_argument) when the job cannot be
/// placed on the nodes, or its mode or policy is unknown.
std::unique_ptr<JobCore> make_job_core(JobCoreInputs inputs);

/// The modes make_job_core knows (JobSpec::mode values), for tests and help.
const std::vector<std::string>& job_core_modes();

/// The human name of the job's collaboration scheme ("fedasync", "fedbuff",
/// or the synchronous strategy's name).
std::string collaboration_label(const JobSpec& spec);

}  // namespace troupe::runtime
