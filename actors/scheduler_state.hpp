#pragma once
/// \file
/// The scheduler actor's state and the functions its files share. The
/// actor's parts: scheduler_actor.cpp (phases as behaviours, admission),
/// scheduler_nodes.cpp (node table, registration, heartbeats, status),
/// scheduler_job.cpp (a job's life: queue, wait, set-up, report),
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

/// Queues `job` in the order runtime::starts_before gives (highest
/// --priority first, then earliest --deadline, then first come first served).
void enqueue(std::deque<PendingJob>& queue, PendingJob job);

/// A client following a job (follow_atom): its progress, then the JSON report.
struct Follower {
  caf::actor who;
  caf::typed_response_promise<std::string> reply;
};

struct SchedulerState {
  using Clock = std::chrono::steady_clock;

  SchedulerConfig config;
  runtime::NodeTable table{5.0};
  runtime::AdmissionGate gate;
  runtime::NodeKeys keys;  ///< which key each node name is bound to
  std::string id;          ///< this scheduler's identity, signed by nodes with the nonce
  std::map<std::string, node_actor> handles;  ///< current incarnation of each node
  /// Who registered each node (its agent): only it may send the node's heartbeats.
  std::map<std::string, caf::actor_addr> registrants;
  std::set<std::string> ready;  ///< nodes set up for the job in hand
  Clock::time_point boot = Clock::now();
  std::int32_t jobs_done = 0;
  std::deque<PendingJob> queue;  ///< jobs submitted while one is in hand
  /// Every accepted job and the finished ones' reports (SchedulerConfig::jobs).
  std::shared_ptr<runtime::JobRegistry> jobs;
  std::map<std::string, std::vector<Follower>> followers;  ///< by job id
  /// (running job, preempting job) pairs already told that the first cannot yield.
  std::set<std::pair<std::string, std::string>> told_cannot_yield;
  /// What the current phase does when the aggregator goes down.
  std::function<void()> on_aggregator_lost;

  // The job in hand (from submission to its report).
  std::string job_id;  ///< empty when no job is in hand
  std::optional<caf::typed_response_promise<runtime::RunReport>> reply;
  runtime::JobSpec spec;
  caf::actor submitter;
  std::uint64_t job_serial = 0;  ///< tells a late answer for an earlier job apart
  std::optional<DataSummary> summary;
  /// Nodes alive at set-up hold their own examples (runtime/scheduling/local_data_plan.hpp).
  bool local_job = false;
  runtime::LocalDataPlan local;  ///< a local-data job's shards, once its nodes are set up
  std::map<std::string, std::string> setup_failures;  ///< node -> why its set-up failed
  /// While the job's nodes are set up: each set-up failure reason logged so
  /// far (node name taken out), with the nodes that failed alike since
  /// (actors/scheduler_observer.hpp).
  std::optional<std::map<std::string, std::vector<std::string>>> setup_losses;
  Clock::time_point job_started;
  Clock::time_point job_submitted;  ///< when the job in hand was submitted
  std::string job_started_utc;      ///< the same moment as a date, for the report's provenance
  std::map<std::string, std::string> node_hosts;  ///< node -> the host it registered from
  runtime::Seconds wait_deadline = 0.0;
  std::int64_t setup_version = 0;  ///< the aggregator's version after set-up
  std::optional<runtime::ResumePoint> resume;
  /// The job's core, from the end of set-up to the report (running phase).
  std::unique_ptr<runtime::JobCore> core;
  /// Set once the job in hand has yielded before (its times, pauses, directory).
  std::optional<Yielded> yielded;

  bool job_in_hand() const { return !job_id.empty(); }
  /// Seconds since the scheduler started (node table clock).
  runtime::Seconds uptime() const {
    return std::chrono::duration<double>(Clock::now() - boot).count();
  }
  /// Seconds since the job was submitted (task clock).
  runtime::Seconds now() const {
    return std::chrono::duration<double>(Clock::now() - job_started).count();
  }
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(spec.cluster.task_timeout_s * 1000.0));
  }

  static inline const char* name = "troupe.scheduler";
};

using SchedulerPtr = scheduler_actor::stateful_pointer<SchedulerState>;

// -- phases (scheduler_actor.cpp) ---------------------------------------------

void enter_idle(SchedulerPtr self);
void enter_waiting(SchedulerPtr self);
void enter_setting_up(SchedulerPtr self);
void enter_running(SchedulerPtr self);

// -- nodes (scheduler_nodes.cpp) ----------------------------------------------

/// Alive nodes set up for the job that can hold work, and why others cannot.
runtime::UsableNodes usable_nodes(const SchedulerState& st);
/// A node is gone (connection dropped, set-up failed, replaced, silent): its
/// work in the running job fails and moves on.
void node_lost(SchedulerPtr self, const std::string& id, const std::string& reason,
               LossCause cause);
/// Nodes silent for too long are declared lost.
void expire_nodes(SchedulerPtr self);
/// Adds an admitted node to the table (replacing an old incarnation).
void join_node(SchedulerPtr self, const NodeRegistration& reg, const caf::actor& node);
/// Liveness from the node's agent; false tells it to register again.
caf::result<bool> heartbeat(SchedulerPtr self, const std::string& name,
                            const runtime::NodeUsage& usage);
ClusterStatus status_of(const SchedulerState& st);
/// Sends the job to node `id`; `done(ok, summary)` runs when it answered.
void set_up_node(SchedulerPtr self, const std::string& id,
                 std::function<void(bool, const DataSummary*)> done);
/// Takes `aggregator` as the cluster's aggregator and tells the nodes.
void take_aggregator(SchedulerPtr self, const caf::actor& aggregator);

// -- the job in hand (scheduler_job.cpp) --------------------------------------

void begin_job(SchedulerPtr self, PendingJob job);
/// Waiting: sets the job up once enough nodes and an aggregator are there, or
/// fails it when the wait is over.
void try_start(SchedulerPtr self);
/// Ends the job in hand: replies with the report, successful or not, and
/// takes the next queued job.
void finish(SchedulerPtr self, runtime::RunStatus status, const std::string& error);
/// A job of higher priority with --preempt was queued: the job in hand is
/// asked to yield at its next round boundary (when its core can pause).
void maybe_preempt(SchedulerPtr self);
/// A queued job was cancelled: when no queued job may displace the job in
/// hand any more, its pause request is taken back (unless it is under way).
void withdraw_preemption(SchedulerPtr self);
/// The job in hand paused after `round` with its checkpoint in `dir`: it is
/// queued again (same id, same submitter) and the next queued job starts.
void requeue_paused(SchedulerPtr self, int round, const std::string& dir);
/// Where a pause's checkpoint goes: the job's --checkpoint-dir, else a
/// directory of this job under the system's temporary directory.
std::string pause_directory(const SchedulerState& st);

// -- the job registry (scheduler_jobs.cpp) -------------------------------------

/// Registers a submitted job (queued) and returns it with its id.
PendingJob register_job(SchedulerPtr self, const runtime::JobSpec& spec,
                        std::optional<caf::typed_response_promise<runtime::RunReport>> reply,
                        caf::actor submitter);
/// The job in hand (st.job_id) starts.
void job_started(SchedulerPtr self);
/// Job `id`'s attached submitter (may be null) and followers hear `text`
/// (notice_atom): a change they would otherwise find only in the scheduler's log.
void notify_job(SchedulerState& st, const std::string& id, const caf::actor& submitter,
                const std::string& text);
/// The job in hand evaluated a round: its record and followers hear of it.
void job_progressed(SchedulerPtr self, const runtime::RoundRecord& record);
/// A job ended with `report`: its record, its files and its followers get it.
void job_ended(SchedulerPtr self, const runtime::RunReport& report);
JobList list_jobs(const SchedulerState& st);
/// Answers follow_atom: at once for a finished job, else when it ends.
caf::result<std::string> follow_job(SchedulerPtr self, const std::string& id);
caf::result<std::string, std::string> fetch_job(SchedulerPtr self, const std::string& id);
caf::result<bool, std::string> cancel_job(SchedulerPtr self, const std::string& id);

// -- the core's steps (scheduler_steps.cpp) -----------------------------------

/// Carries out `steps` and those the core answers to them at once.
void run_steps(SchedulerPtr self, runtime::Steps steps);

}  // namespace troupe::actors
