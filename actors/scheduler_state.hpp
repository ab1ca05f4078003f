#pragma once
/// \file
/// The scheduler actor's state and the functions its files share. The
/// actor's parts: scheduler_actor.cpp (its behaviour, admission, the jobs in hand's phases),
/// scheduler_nodes.cpp (node table, registration, heartbeats, status),
/// scheduler_job.cpp (a job's life: wait, set-up, report, preemption),
/// scheduler_jobs.cpp (the job registry: ids, listing, following, cancel) and
/// scheduler_steps.cpp (carrying out the job core's steps). Only those
/// files include it.

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "actors/protocol.hpp"
#include "actors/scheduler_actor.hpp"
#include "actors/scheduler_observer.hpp"
#include "runtime/io/job_registry.hpp"
#include "runtime/scheduling/job_core.hpp"
#include "runtime/scheduling/job_order.hpp"
#include "runtime/scheduling/local_data_plan.hpp"
#include "runtime/scheduling/node_table.hpp"
#include "runtime/system/admission.hpp"
#include "runtime/system/node_keys.hpp"

namespace troupe::actors {

/// A job that yielded to one of higher priority (--preempt): where and how
/// it continues once its turn comes again.
struct Yielded {
  runtime::ResumePoint point;  ///< its rounds so far and the checkpointed model
  int times = 0;               ///< how often it yielded so far
  int tasks_yielded = 0;       ///< JobRun::tasks_yielded so far
  int placed_jointly = 0;      ///< JobRun::placed_jointly so far
  int placed_with_others = 0;  ///< JobRun::placed_with_others so far
  double paused_s = 0.0;       ///< time queued again, before this wait
  std::chrono::steady_clock::time_point paused_at;      ///< when it yielded this time
  std::chrono::steady_clock::time_point first_started;  ///< its first set-up
  /// The checkpoint's directory when the job has no --checkpoint-dir (the
  /// scheduler removes it when the job ends); empty otherwise.
  std::string pause_dir;
  /// The job's own --resume, which its report shows (its spec resumes from the pause).
  std::string resume_given;
};

/// A submitted job waiting for its turn.
struct PendingJob {
  std::string id;  ///< in the job registry
  runtime::JobSpec spec;
  /// An attached submitter's answer; empty for a detached submission.
  std::optional<caf::typed_response_promise<runtime::RunReport>> reply;
  caf::actor submitter;
  std::chrono::steady_clock::time_point submitted = std::chrono::steady_clock::now();
  std::optional<Yielded> yielded;  ///< set for a job queued again after yielding
};

/// Where a job submitted at `submitted` stands in the queue's order.
runtime::JobOrderKey queue_key(const runtime::JobSpec& spec,
                               std::chrono::steady_clock::time_point submitted);

/// Queues `job` in the order runtime::starts_before gives (highest
/// --priority first, then earliest --deadline, then first come first served).
void enqueue(std::deque<PendingJob>& queue, PendingJob job);

/// A client following a job (follow_atom): its progress, then the JSON report.
struct Follower {
  caf::actor who;
  caf::typed_response_promise<std::string> reply;
};

/// Where a job in hand stands.
enum class RunPhase {
  waiting,     ///< for --min-nodes free nodes and a free aggregator
  setting_up,  ///< its aggregator and nodes load the job
  running,     ///< its core runs
};

/// A job in hand, from its start (begin_job) to its report. A scheduler holds
/// up to SchedulerConfig::concurrent_jobs of them; each has its own
/// aggregator and its own nodes (a node serves one job at a time, unless
/// SchedulerConfig::share_nodes).
struct JobRun {
  using Clock = std::chrono::steady_clock;

  std::string job_id;
  std::uint64_t serial = 0;  ///< tells a late answer for an earlier job apart
  RunPhase phase = RunPhase::waiting;
  std::optional<caf::typed_response_promise<runtime::RunReport>> reply;
  runtime::JobSpec spec;
  caf::actor submitter;
  aggregator_actor aggregator;  ///< the one it was set up with (from setting up on)
  /// Nodes given to this job: being set up or set up (`ready`).
  std::set<std::string> nodes;
  std::set<std::string> ready;  ///< its nodes set up for it
  /// Shared nodes that answered its set-up with a refusal: not offered it again.
  std::set<std::string> refused;
  std::optional<DataSummary> summary;
  /// Nodes alive at set-up hold their own examples (runtime/scheduling/local_data_plan.hpp).
  bool local_job = false;
  runtime::LocalDataPlan local;  ///< a local-data job's shards, once its nodes are set up
  std::map<std::string, std::string> setup_failures;  ///< node -> why its set-up failed
  /// While the job's nodes are set up: each set-up failure reason logged so
  /// far (node name taken out), with the nodes that failed alike since
  /// (actors/scheduler_observer.hpp).
  std::optional<std::map<std::string, std::vector<std::string>>> setup_losses;
  Clock::time_point started;
  Clock::time_point submitted;  ///< when the job was submitted
  std::string started_utc;      ///< the same moment as a date, for the report's provenance
  runtime::Seconds wait_deadline = 0.0;
  std::int64_t setup_version = 0;  ///< the aggregator's version after set-up
  std::optional<runtime::ResumePoint> resume;
  /// The job's core, from the end of set-up to the report (running phase).
  std::unique_ptr<runtime::JobCore> core;
  /// Set once the job has yielded before (its times, pauses, directory).
  std::optional<Yielded> yielded;
  /// Its training tasks that stopped computing on a shared node for a task
  /// of a --preempt job of higher priority and ran again (TrainOutcome::yielded).
  int tasks_yielded = 0;
  /// Its tasks the scheduler's joint placement (shared nodes) placed, and
  /// those of them placed in one allocation with another job's tasks.
  int placed_jointly = 0;
  int placed_with_others = 0;

  /// Seconds since the job started (task clock).
  runtime::Seconds now() const {
    return std::chrono::duration<double>(Clock::now() - started).count();
  }
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(spec.cluster.task_timeout_s * 1000.0));
  }
};

struct SchedulerState {
  using Clock = std::chrono::steady_clock;

  SchedulerConfig config;
  runtime::NodeTable table{5.0};
  /// Nodes that could not fetch a job's model over the data plane
  /// (actors/job_bytes.hpp): they are sent every job whole.
  std::set<std::string> whole_jobs;
  /// Aggregators that could not either (by address).
  std::set<caf::actor_addr> whole_aggregator_jobs;
  runtime::AdmissionGate gate;
  runtime::NodeKeys keys;  ///< which key each node name is bound to
  std::string id;          ///< this scheduler's identity, signed by nodes with the nonce
  std::map<std::string, node_actor> handles;  ///< current incarnation of each node
  /// Who registered each node (its agent): only it may send the node's heartbeats.
  std::map<std::string, caf::actor_addr> registrants;
  std::map<std::string, std::string> node_hosts;  ///< node -> the host it registered from
  /// The cluster's aggregators, at most SchedulerConfig::concurrent_jobs: each
  /// job in hand uses one from its set-up to its end.
  std::vector<aggregator_actor> aggregators;
  Clock::time_point boot = Clock::now();
  std::int32_t jobs_done = 0;
  std::deque<PendingJob> queue;  ///< jobs waiting for a slot, nodes or an aggregator
  /// Every accepted job and the finished ones' reports (SchedulerConfig::jobs).
  std::shared_ptr<runtime::JobRegistry> jobs;
  std::map<std::string, std::vector<Follower>> followers;  ///< by job id
  /// (running job, preempting job) pairs already told that the first cannot yield.
  std::set<std::pair<std::string, std::string>> told_cannot_yield;
  /// The jobs in hand by serial (a map: a run stays where it is while others come and go).
  std::map<std::uint64_t, JobRun> runs;
  std::uint64_t last_serial = 0;
  /// Scheduling steps open (SchedulingStep): the joint placement runs as the outermost ends.
  int steps_depth = 0;
  bool placing = false;  ///< a joint placement is carrying out its steps

  bool job_in_hand() const { return !runs.empty(); }
  /// The run of `serial`, or null when that job ended.
  JobRun* run(std::uint64_t serial) {
    auto it = runs.find(serial);
    return it == runs.end() ? nullptr : &it->second;
  }
  /// The run of job `id`, or null.
  JobRun* run_of_job(const std::string& job_id);
  /// The run of the job with JobSpec::run_id `run_id`, or null.
  JobRun* run_of(std::uint64_t run_id);
  /// The run node `id` is given to (the first in queue order), or null.
  JobRun* owner(const std::string& id);
  /// Every run node `id` is given to, highest --priority first.
  std::vector<JobRun*> owners(const std::string& id);
  /// How many jobs in hand hold node `id`.
  std::size_t jobs_on(const std::string& id) const;
  /// The jobs in hand, highest --priority first (the queue's order).
  std::vector<JobRun*> runs_in_order();
  /// Alive nodes that no job in hand holds.
  std::vector<std::string> free_nodes() const;
  /// Alive nodes a job may take, other than those `run` holds already (null:
  /// a job not in hand yet): the free ones, or every one when nodes are shared.
  std::vector<std::string> takeable_nodes(const JobRun* run) const;
  /// An aggregator no job in hand uses; null when every one is busy (or none registered).
  aggregator_actor free_aggregator() const;
  int slots() const { return config.concurrent_jobs > 1 ? config.concurrent_jobs : 1; }
  /// Jobs in hand share nodes (SchedulerConfig::share_nodes, several slots).
  bool sharing() const { return config.share_nodes && slots() > 1; }
  /// Seconds since the scheduler started (node table clock).
  runtime::Seconds uptime() const {
    return std::chrono::duration<double>(Clock::now() - boot).count();
  }

  static inline const char* name = "troupe.scheduler";
};

using SchedulerPtr = scheduler_actor::stateful_pointer<SchedulerState>;

// -- the cluster's events (scheduler_actor.cpp) --------------------------------

/// Starts queued jobs while a slot is free (and, when another job is in
/// hand, the next one's nodes and an aggregator are free too), in queue order.
void start_queued(SchedulerPtr self);
/// Node `id` joined or became free: a job in hand that wants more nodes gets
/// it, a waiting one may start, and so may a queued one.
void offer_node(SchedulerPtr self, const std::string& id);

// -- nodes (scheduler_nodes.cpp) ----------------------------------------------

/// The alive nodes of `among` that can hold a task of `run` now (free memory
/// and disk, its --demand), with their planning speeds, and why others cannot.
runtime::UsableNodes assess_nodes(const SchedulerState& st, const JobRun& run,
                                  const std::set<std::string>& among);
/// Alive nodes set up for `run` that can hold work, and why others cannot.
runtime::UsableNodes usable_nodes(const SchedulerState& st, const JobRun& run);
/// Node `id` (when known) lets go of what it holds for the job of `run_id`
/// (0: for every job), keeping one job's data for its next set-up.
void tell_leave(SchedulerPtr self, const std::string& id, std::uint64_t run_id);
/// A node is gone (connection dropped, set-up failed, replaced, silent): its
/// work in the job it serves fails and moves on.
void node_lost(SchedulerPtr self, const std::string& id, const std::string& reason,
               LossCause cause);
/// Nodes silent for too long are declared lost.
void expire_nodes(SchedulerPtr self);
/// Adds an admitted node to the table (replacing an old incarnation).
void join_node(SchedulerPtr self, const NodeRegistration& reg, const caf::actor& node);
/// Liveness from the node's agent; false tells it to register again.
caf::result<bool> heartbeat(SchedulerPtr self, const std::string& name,
                            const runtime::NodeUsage& usage);
ClusterStatus status_of(SchedulerState& st);
/// Gives node `id` to `run` and sends it the job (after the job's
/// aggregator); `done(ok, summary)` runs when it answered for this job.
void set_up_node(SchedulerPtr self, JobRun& run, const std::string& id,
                 std::function<void(bool, const DataSummary*)> done);
/// Sends `run`'s job to its aggregator: `ok(version)` or `failed(err)` when it answered.
void set_up_aggregator(SchedulerPtr self, JobRun& run, std::function<void(std::int64_t)> ok,
                       std::function<void(caf::error&)> failed);
/// An aggregator offered itself: true when it is (now) one of the cluster's.
/// It joins while fewer than SchedulerConfig::concurrent_jobs are there, else
/// it replaces one no job uses.
bool offer_aggregator(SchedulerPtr self, const caf::actor& aggregator);
/// An aggregator went down: the jobs that use it fail.
void aggregator_lost(SchedulerPtr self, const caf::actor_addr& aggregator);

// -- a job in hand (scheduler_job.cpp) ----------------------------------------

/// Takes `job` in hand (waiting) and tries to start it.
void begin_job(SchedulerPtr self, PendingJob job);
/// Waiting: sets the job up once enough free nodes and an aggregator are
/// there, or fails it when the wait is over.
void try_start(SchedulerPtr self, JobRun& run);
/// Ends `run`: replies with the report, successful or not, frees its nodes
/// and aggregator, and takes the next queued job.
void finish(SchedulerPtr self, JobRun& run, runtime::RunStatus status, const std::string& error);
/// A job of higher priority with --preempt waits in the queue: the job in
/// hand it displaces is asked to yield at its next round boundary (when its
/// core can pause).
void maybe_preempt(SchedulerPtr self);
/// A queued job was cancelled: a job in hand that no queued job may displace
/// any more takes its pause request back (unless it is under way).
void withdraw_preemption(SchedulerPtr self);
/// `run` paused after `round` with its checkpoint in `dir`: it is queued
/// again (same id, same submitter) and the next queued job starts.
void requeue_paused(SchedulerPtr self, JobRun& run, int round, const std::string& dir);
/// Where a pause's checkpoint goes: the job's --checkpoint-dir, else a
/// directory of this job under the system's temporary directory.
std::string pause_directory(const SchedulerState& st, const JobRun& run);

// -- the job registry (scheduler_jobs.cpp) -------------------------------------

/// Registers a submitted job (queued) and returns it with its id.
PendingJob register_job(SchedulerPtr self, const runtime::JobSpec& spec,
                        std::optional<caf::typed_response_promise<runtime::RunReport>> reply,
                        caf::actor submitter);
/// `run`'s job starts.
void job_started(SchedulerPtr self, const JobRun& run);
/// Job `id`'s attached submitter (may be null) and followers hear `text`
/// (notice_atom): a change they would otherwise find only in the scheduler's log.
void notify_job(SchedulerState& st, const std::string& id, const caf::actor& submitter,
                const std::string& text);
/// `run` evaluated a round: its record and followers hear of it.
void job_progressed(SchedulerPtr self, const JobRun& run, const runtime::RoundRecord& record);
/// A job ended with `report`: its record, its files and its followers get it.
void job_ended(SchedulerPtr self, const runtime::RunReport& report);
JobList list_jobs(const SchedulerState& st);
/// Answers follow_atom: at once for a finished job, else when it ends.
caf::result<std::string> follow_job(SchedulerPtr self, const std::string& id);
caf::result<std::string, std::string> fetch_job(SchedulerPtr self, const std::string& id);
caf::result<bool, std::string> cancel_job(SchedulerPtr self, const std::string& id);

// -- the core's steps (scheduler_steps.cpp) -----------------------------------

/// Carries out `steps` of the run of `serial` and those its core answers to
/// them at once; stops when that job ended.
void run_steps(SchedulerPtr self, std::uint64_t serial, runtime::Steps steps);

// -- one placement over every job's runnable tasks (scheduler_joint.cpp) ------

/// With shared nodes: places the runnable tasks of every job in hand in one
/// allocation (runtime::plan_joint_step), with the policy of the
/// highest-priority job among them, and carries out the steps that follow.
void place_jointly(SchedulerPtr self);

/// One scheduling step: what the run_steps calls made while it lasts leave
/// runnable is placed together, once, as the outermost step ends
/// (place_jointly). run_steps opens one; so does a handler that carries out
/// several jobs' steps for one event (a tick, a node lost).
class SchedulingStep {
 public:
  explicit SchedulingStep(SchedulerPtr self) : self_(self) { ++self_->state.steps_depth; }
  ~SchedulingStep();
  SchedulingStep(const SchedulingStep&) = delete;
  SchedulingStep& operator=(const SchedulingStep&) = delete;

 private:
  SchedulerPtr self_;
};

}  // namespace troupe::actors
