#include "actors/scheduler_actor.hpp"

#include <chrono>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "actors/errors.hpp"
#include "runtime/io/checkpoint.hpp"
#include "runtime/scheduling/async_job.hpp"
#include "runtime/scheduling/node_table.hpp"
#include "runtime/scheduling/sync_job.hpp"
#include "runtime/system/admission.hpp"

namespace troupe::actors {
namespace {

using Clock = std::chrono::steady_clock;
using runtime::Seconds;

enum class Phase { idle, waiting, setting_up, running };

/// A submitted job waiting for its turn.
struct PendingJob {
  runtime::JobSpec spec;
  caf::typed_response_promise<runtime::RunReport> reply;
  caf::actor submitter;
};

struct SchedulerState {
  SchedulerConfig config;
  runtime::NodeTable table{5.0};
  runtime::AdmissionGate gate;
  std::map<std::string, node_actor> handles;  ///< current incarnation of each node
  /// Who registered each node (its agent): only it may send the node's heartbeats.
  std::map<std::string, caf::actor_addr> registrants;
  std::set<std::string> ready;  ///< nodes set up for the running job
  Clock::time_point boot = Clock::now();
  std::int32_t jobs_done = 0;
  std::deque<PendingJob> queue;  ///< jobs submitted while one runs

  // The job in hand.
  Phase phase = Phase::idle;
  runtime::JobSpec spec;
  std::optional<caf::typed_response_promise<runtime::RunReport>> reply;
  caf::actor submitter;
  std::unique_ptr<runtime::SyncJob> job;         ///< sync mode
  std::unique_ptr<runtime::AsyncJob> async_job;  ///< async and buffered modes
  std::optional<DataSummary> summary;
  Clock::time_point job_started;
  Seconds wait_deadline = 0.0;
  std::int64_t version = 0;
  std::uint64_t fingerprint = 0;
  std::int64_t fingerprint_version = -1;  ///< async: the version `fingerprint` is of
  bool aggregating = false;
  bool evaluating = false;  ///< the round's model exists and its evaluation was sent
  bool flushed = false;     ///< async: the final flush of the aggregator is done
  /// --resume: the checkpoint's round and records.
  struct ResumePoint {
    int round = 0;
    std::vector<runtime::RoundRecord> rounds;
  };
  std::optional<ResumePoint> resume;

  /// Seconds since the scheduler started (node table clock).
  Seconds uptime() const { return std::chrono::duration<double>(Clock::now() - boot).count(); }
  /// Seconds since the job was submitted (task clock).
  Seconds now() const { return std::chrono::duration<double>(Clock::now() - job_started).count(); }
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(spec.cluster.task_timeout_s * 1000.0));
  }
  /// Alive nodes set up for the job, as the scheduling core sees them.
  std::vector<runtime::NodeInfo> usable_nodes() const {
    std::vector<runtime::NodeInfo> out;
    for (const auto* n : table.alive())
      if (ready.count(n->id) &&
          runtime::cannot_hold(n->resources, n->usage, config.hold_need).empty())
        out.push_back({n->id, n->speed, n->data.shard});
    return out;
  }
  /// Why set-up nodes are left out of placement ("; node X: free memory ..."), or "".
  std::string held_back() const {
    std::string out;
    for (const auto* n : table.alive())
      if (ready.count(n->id))
        if (auto why = runtime::cannot_hold(n->resources, n->usage, config.hold_need); !why.empty())
          out += "; node " + n->id + ": " + why;
    return out;
  }

  static inline const char* name = "troupe.scheduler";
};

using SchedulerPtr = scheduler_actor::stateful_pointer<SchedulerState>;

void start_round(SchedulerPtr self);
void begin_job(SchedulerPtr self, PendingJob job);
void dispatch_train(SchedulerPtr self, std::int64_t id);
void dispatch_eval(SchedulerPtr self, std::int64_t id);
void aggregate_if_complete(SchedulerPtr self);
void async_pump(SchedulerPtr self);

/// The human name of the job's collaboration scheme.
std::string strategy_label(const runtime::JobSpec& spec) {
  if (spec.collab.mode == runtime::Mode::async) return "fedasync";
  if (spec.collab.mode == runtime::Mode::buffered) return "fedbuff";
  return spec.collab.strategy;
}

/// Ends the job: replies with the report, successful or not.
void finish(SchedulerPtr self, runtime::RunStatus status, const std::string& error) {
  auto& st = self->state;
  if (st.phase == Phase::idle) return;
  runtime::RunReport report;
  if (st.job) {
    report = st.job->report(st.now(), status, error);
  } else if (st.async_job) {
    report = st.async_job->report(st.now(), status, error);
  } else {
    report.status = status;
    report.error = error;
    report.config = st.spec;
    report.policy = st.spec.cluster.policy;
    report.wall_s = st.now();
  }
  report.strategy = strategy_label(st.spec);
  if (st.resume) report.resumed_from_round = st.resume->round;
  report.mode = st.spec.collab.mode;
  runtime::add_node_usage(report, st.table, st.uptime() - st.now(), st.uptime());
  if (st.fingerprint != 0) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(st.fingerprint));
    report.model_fingerprint = hex;
  }
  if (st.reply) st.reply->deliver(std::move(report));
  st.reply.reset();
  st.job.reset();
  st.async_job.reset();
  st.summary.reset();
  st.submitter = nullptr;
  st.ready.clear();
  st.phase = Phase::idle;
  ++st.jobs_done;
  if (!st.queue.empty()) {
    auto next = std::move(st.queue.front());
    st.queue.pop_front();
    begin_job(self, std::move(next));
  }
}

/// Runs failed task `id` elsewhere: dispatches its replacement, or ends the job
/// when an evaluation task cannot be replaced. False when the job ended.
bool replace_failed(SchedulerPtr self, std::int64_t id, const std::string& why) {
  auto& st = self->state;
  if (auto next = st.job->reassign(id, st.now())) {
    if (st.job->task(*next).kind == runtime::TaskKind::train)
      dispatch_train(self, *next);
    else if (st.evaluating)
      dispatch_eval(self, *next);
    // else: an evaluation not sent yet; aggregate_if_complete sends the replacement.
  } else if (st.job->task(id).kind == runtime::TaskKind::evaluate) {
    finish(self, runtime::RunStatus::failed,
           "evaluation task " + std::to_string(id) + " failed: " + why);
    return false;
  }
  return true;
}

/// Fails task `id` (if still open) and tries to run it elsewhere.
void fail_and_reassign(SchedulerPtr self, std::int64_t id, const std::string& why) {
  auto& st = self->state;
  if (!st.job || st.job->task(id).terminal()) return;
  st.job->task_failed(id, st.now(), why);
  if (replace_failed(self, id, why)) aggregate_if_complete(self);
}

/// The work of a node that is no longer usable: its open tasks of the
/// running job are failed and reassigned to other nodes.
void reassign_work_of(SchedulerPtr self, const std::string& id, const std::string& reason) {
  auto& st = self->state;
  st.ready.erase(id);
  if (st.phase != Phase::running) return;
  if (st.async_job) {
    st.async_job->set_nodes(st.usable_nodes());
    st.async_job->fail_tasks_on(id, st.now(), "node " + id + " lost: " + reason);
    async_pump(self);
    return;
  }
  if (!st.job) return;
  st.job->set_nodes(st.usable_nodes());
  const auto why = "node " + id + " lost: " + reason;
  for (auto task : st.job->fail_tasks_on(id, st.now(), why))
    if (!replace_failed(self, task, why)) return;
  aggregate_if_complete(self);
}

/// A node is gone (connection dropped, set-up failed, replaced).
void node_lost(SchedulerPtr self, const std::string& id, const std::string& reason) {
  if (self->state.table.lose(id, reason)) reassign_work_of(self, id, reason);
}

/// Marks task `id` started on its node and returns that node's handle; when
/// the node is unknown the task is failed and reassigned, and null returned.
const node_actor* start_on_node(SchedulerPtr self, std::int64_t id) {
  auto& st = self->state;
  const auto& task = st.job->task(id);
  auto handle = st.handles.find(task.node);
  if (handle == st.handles.end()) {
    fail_and_reassign(self, id, "node " + task.node + " unknown");
    return nullptr;
  }
  st.job->task_started(id, st.now());
  st.table.set_current_task(task.node, id);
  return &handle->second;
}

/// Tells the progress callback and the submitter that a round was evaluated.
void announce_round(SchedulerPtr self, const runtime::RoundRecord& record) {
  auto& st = self->state;
  if (st.config.on_round) st.config.on_round(record, st.spec.rounds);
  if (st.submitter) caf::anon_send(st.submitter, progress_atom::value, record);
}

/// After a round's evaluation: writes a checkpoint when one is due (the
/// aggregator holds the model; the next round starts once it is on disk), then
/// starts the next round or ends the job.
void checkpoint_then_continue(SchedulerPtr self) {
  auto& st = self->state;
  auto next = [self] {
    auto& st = self->state;
    if (!st.job) return;
    if (st.job->finished())
      finish(self, runtime::RunStatus::ok, "");
    else
      start_round(self);
  };
  const int round = st.job->round();
  if (st.spec.checkpoint.dir.empty() ||
      (round % st.spec.checkpoint.every != 0 && !st.job->finished())) {
    next();
    return;
  }
  self->request(st.config.aggregator, st.timeout(), checkpoint_atom::value,
                CheckpointRequest{round, st.job->rounds()})
      .then([next](const std::string&) { next(); },
            [self, next, round](caf::error& err) {
              // The job goes on; a later checkpoint may succeed.
              caf::aout(self) << "troupe scheduler: no checkpoint after round " << round << ": "
                              << describe(err, self->system()) << std::endl;
              next();
            });
}

void dispatch_eval(SchedulerPtr self, std::int64_t id) {
  auto& st = self->state;
  const auto* node = start_on_node(self, id);
  if (!node) return;
  const auto& task = st.job->task(id);
  self->request(*node, st.timeout(), eval_atom::value, EvalTask{id, task.round, st.version})
      .then(
          [self, id](const models::ClassificationMetrics& m) {
            auto& st = self->state;
            if (!st.job || st.job->task(id).terminal()) return;
            st.table.set_current_task(st.job->task(id).node, -1);
            st.job->eval_done(id, st.now(), m, st.version);
            announce_round(self, st.job->rounds().back());
            checkpoint_then_continue(self);
          },
          [self, id](caf::error& err) {
            fail_and_reassign(self, id, describe(err, self->system()));
          });
}

void aggregate_if_complete(SchedulerPtr self) {
  auto& st = self->state;
  if (!st.job || st.aggregating) return;
  if (st.job->eval_task().state != runtime::TaskState::assigned)
    return;  // already past aggregation
  if (!st.job->round_closable(st.now())) return;
  if (!st.job->training_complete()) {
    // Enough updates, or the deadline: the stragglers' updates will be late.
    const bool enough = st.job->updates_in_round() >= st.job->round_target();
    for (auto id : st.job->close_training(
             st.now(), enough ? "round closed with enough updates" : "round deadline passed"))
      st.table.set_current_task(st.job->task(id).node, -1);
  }
  const auto round = st.job->round();
  auto accepted = st.job->accepted_updates();
  if (accepted.empty()) {
    finish(self, runtime::RunStatus::failed,
           "no node delivered an update in round " + std::to_string(round));
    return;
  }
  st.aggregating = true;
  self->request(st.config.aggregator, st.timeout(), aggregate_atom::value,
                AggregateRequest{static_cast<std::int32_t>(round), std::move(accepted)})
      .then(
          [self](const AggregateOutcome& out) {
            auto& st = self->state;
            st.aggregating = false;
            if (!st.job) return;
            st.job->aggregated(st.version, out.version, out.changed);
            st.version = out.version;
            st.fingerprint = out.fingerprint;
            st.evaluating = true;
            dispatch_eval(self, st.job->eval_task().id);
          },
          [self](caf::error& err) {
            self->state.aggregating = false;
            finish(self, runtime::RunStatus::failed,
                   "aggregation failed: " + describe(err, self->system()));
          });
}

void dispatch_train(SchedulerPtr self, std::int64_t id) {
  auto& st = self->state;
  const auto* node = start_on_node(self, id);
  if (!node) return;
  const auto& task = st.job->task(id);
  TrainTask msg{id, task.round, task.shard, st.version, task.seed};
  self->request(*node, st.timeout(), train_atom::value, msg)
      .then(
          [self, id](const TrainOutcome& out) {
            auto& st = self->state;
            if (!st.job) return;
            if (st.job->task(id).terminal()) {  // given up on, reassigned, or cancelled
              if (st.job->cancelled(id) && !out.dropped) st.job->late_arrival(id);
              return;
            }
            st.table.set_current_task(out.node, -1);
            if (out.dropped) {
              st.job->task_failed(id, st.now(), out.receipt.reason);  // no reassignment
            } else if (!out.receipt.accepted) {
              st.job->task_failed(id, st.now(), "update refused: " + out.receipt.reason);
            } else {
              st.job->train_done(id, st.now(), out.samples, out.mean_loss, out.compute_s);
            }
            aggregate_if_complete(self);
          },
          [self, id](caf::error& err) {
            fail_and_reassign(self, id, describe(err, self->system()));
          });
}

// -- asynchronous modes -------------------------------------------------------

/// Marks async task `id` started on its node and returns the node's handle, or
/// fails the task and returns null when the node is unknown.
const node_actor* async_start_on_node(SchedulerPtr self, std::int64_t id) {
  auto& st = self->state;
  const auto& task = st.async_job->task(id);
  auto handle = st.handles.find(task.node);
  if (handle == st.handles.end()) {
    st.async_job->task_failed(id, st.now(), "node " + task.node + " unknown");
    return nullptr;
  }
  st.async_job->task_started(id, st.now());
  st.table.set_current_task(task.node, id);
  return &handle->second;
}

void async_dispatch_train(SchedulerPtr self, std::int64_t id) {
  auto& st = self->state;
  const auto* node = async_start_on_node(self, id);
  if (!node) return;
  const auto& task = st.async_job->task(id);
  TrainTask msg{id, task.round, task.shard, task.base_version, task.seed};
  self->request(*node, st.timeout(), train_atom::value, msg)
      .then(
          [self, id](const TrainOutcome& out) {
            auto& st = self->state;
            if (!st.async_job || st.async_job->task(id).terminal()) return;
            st.table.set_current_task(out.node, -1);
            if (out.dropped) {
              st.async_job->train_dropped(id, st.now(), out.receipt.reason);
            } else {
              st.async_job->train_done(id, st.now(), out.samples, out.mean_loss, out.compute_s,
                                       out.receipt);
              st.version = std::max(st.version, out.receipt.version);
              if (out.receipt.new_version && out.receipt.version > st.fingerprint_version) {
                st.fingerprint = out.receipt.fingerprint;
                st.fingerprint_version = out.receipt.version;
              }
            }
            async_pump(self);
          },
          [self, id](caf::error& err) {
            auto& st = self->state;
            if (!st.async_job || st.async_job->task(id).terminal()) return;
            st.table.set_current_task(st.async_job->task(id).node, -1);
            st.async_job->task_failed(id, st.now(), describe(err, self->system()));
            async_pump(self);
          });
}

void async_dispatch_eval(SchedulerPtr self, std::int64_t id) {
  auto& st = self->state;
  const auto* node = async_start_on_node(self, id);
  if (!node) return;
  const auto& task = st.async_job->task(id);
  self->request(*node, st.timeout(), eval_atom::value, EvalTask{id, task.round, task.base_version})
      .then(
          [self, id](const models::ClassificationMetrics& m) {
            auto& st = self->state;
            if (!st.async_job || st.async_job->task(id).terminal()) return;
            const auto& task = st.async_job->task(id);
            st.table.set_current_task(task.node, -1);
            st.async_job->eval_done(id, st.now(), m, task.base_version);
            announce_round(self, st.async_job->rounds().back());
            async_pump(self);
          },
          [self, id](caf::error& err) {
            auto& st = self->state;
            if (!st.async_job || st.async_job->task(id).terminal()) return;
            st.table.set_current_task(st.async_job->task(id).node, -1);
            st.async_job->task_failed(id, st.now(), describe(err, self->system()));
            async_pump(self);
          });
}

/// Moves an asynchronous job on: the final flush, a due evaluation, new
/// training tasks for idle nodes; ends the job when it is done or stuck.
void async_pump(SchedulerPtr self) {
  auto& st = self->state;
  auto* job = st.async_job.get();
  if (!job || st.phase != Phase::running) return;
  if (job->finished()) {
    finish(self, runtime::RunStatus::ok, "");
    return;
  }
  if (st.aggregating) return;
  try {
    if (job->final_pending() && !st.flushed) {
      // The last updates are in: apply what FedBuff still buffers, then evaluate.
      st.aggregating = true;
      self->request(st.config.aggregator, st.timeout(), aggregate_atom::value,
                    AggregateRequest{-1, {}})
          .then(
              [self](const AggregateOutcome& out) {
                auto& st = self->state;
                st.aggregating = false;
                st.flushed = true;
                st.version = out.version;
                st.fingerprint = out.fingerprint;
                st.fingerprint_version = out.version;
                async_pump(self);
              },
              [self](caf::error& err) {
                self->state.aggregating = false;
                finish(self, runtime::RunStatus::failed,
                       "final aggregation failed: " + describe(err, self->system()));
              });
      return;
    }
    if (auto id = job->next_eval(st.now(), st.version)) async_dispatch_eval(self, *id);
    for (auto id : job->fill(st.now(), st.version)) async_dispatch_train(self, id);
  } catch (const std::exception& e) {
    finish(self, runtime::RunStatus::failed, e.what());
    return;
  }
  if (job->stuck())
    finish(self, runtime::RunStatus::failed,
           "no usable node left (" + std::to_string(job->accepted()) + " updates accepted)");
}

void start_round(SchedulerPtr self) {
  auto& st = self->state;
  std::vector<std::int64_t> ids;
  try {
    st.job->set_nodes(st.usable_nodes());
    st.evaluating = false;
    ids = st.job->start_next_round(st.now());
  } catch (const std::exception& e) {
    finish(self, runtime::RunStatus::failed, e.what() + st.held_back());
    return;
  }
  for (auto id : ids) dispatch_train(self, id);
}

/// Sends the job to one node; `done(ok)` runs when it answered.
void set_up_node(SchedulerPtr self, const std::string& id,
                 std::function<void(bool, const DataSummary*)> done) {
  auto& st = self->state;
  self->request(st.handles.at(id), st.timeout(), setup_atom::value, st.spec)
      .then(
          [self, id, done](const DataSummary& s) {
            self->state.ready.insert(id);
            done(true, &s);
          },
          [self, id, done](caf::error& err) {
            node_lost(self, id, "set-up failed: " + describe(err, self->system()));
            done(false, nullptr);
          });
}

/// Sets up the aggregator and every alive node, then starts round 1. Nodes
/// whose set-up fails are left out; the job fails only if none succeeds.
void set_up(SchedulerPtr self) {
  auto& st = self->state;
  st.phase = Phase::setting_up;
  std::vector<std::string> nodes;
  for (const auto* n : st.table.alive()) nodes.push_back(n->id);
  auto pending = std::make_shared<std::size_t>(nodes.size() + 1);
  auto failure = std::make_shared<std::string>();
  auto aggregator_failed = std::make_shared<bool>(false);
  auto done_one = [self, pending, failure, aggregator_failed] {
    if (--*pending > 0) return;
    auto& st = self->state;
    if (st.phase != Phase::setting_up) return;
    if (*aggregator_failed || !st.summary || st.ready.empty()) {
      finish(self, runtime::RunStatus::failed,
             failure->empty() ? "no node could be set up" : *failure);
      return;
    }
    try {
      if (st.spec.collab.mode == runtime::Mode::sync)
        st.job = std::make_unique<runtime::SyncJob>(
            st.spec, st.summary->shard_sizes, st.summary->test_size,
            runtime::make_allocator(st.spec.cluster.policy), st.usable_nodes());
      else
        st.async_job = std::make_unique<runtime::AsyncJob>(
            st.spec, st.summary->shard_sizes, st.summary->test_size, st.usable_nodes());
    } catch (const std::exception& e) {
      finish(self, runtime::RunStatus::failed, e.what() + st.held_back());
      return;
    }
    st.phase = Phase::running;
    if (st.job && st.resume) {
      st.job->resume_after(st.resume->round, st.resume->rounds);
      if (st.job->finished()) {
        finish(self, runtime::RunStatus::ok, "");
        return;
      }
    }
    if (st.job)
      start_round(self);
    else
      async_pump(self);
  };
  self->request(st.config.aggregator, st.timeout(), setup_atom::value, st.spec)
      .then(
          [self, done_one](std::int64_t version) {
            self->state.version = version;
            done_one();
          },
          [self, done_one, failure, aggregator_failed](caf::error& err) {
            *failure = "aggregator set-up failed: " + describe(err, self->system());
            *aggregator_failed = true;
            done_one();
          });
  for (const auto& id : nodes) {
    set_up_node(self, id, [self, failure, done_one, id](bool ok, const DataSummary* s) {
      auto& st = self->state;
      if (ok && !st.summary) st.summary = *s;
      if (!ok && failure->empty()) {
        const auto* entry = st.table.find(id);
        *failure = entry ? entry->lost_reason : "set-up of " + id + " failed";
      }
      done_one();
    });
  }
}

/// Starts the waiting job once enough nodes and an aggregator are there, or
/// fails it when the wait is over.
void try_start(SchedulerPtr self) {
  auto& st = self->state;
  if (st.phase != Phase::waiting) return;
  const auto alive = st.table.alive_count();
  if (st.config.aggregator && alive >= static_cast<std::size_t>(st.spec.cluster.min_nodes)) {
    set_up(self);
  } else if (st.uptime() > st.wait_deadline) {
    finish(self, runtime::RunStatus::failed,
           !st.config.aggregator
               ? "no aggregator registered within " +
                     std::to_string(static_cast<int>(st.spec.cluster.join_timeout_s)) + " s"
               : "only " + std::to_string(alive) + " of " +
                     std::to_string(st.spec.cluster.min_nodes) + " nodes joined within " +
                     std::to_string(static_cast<int>(st.spec.cluster.join_timeout_s)) + " s");
  }
}

/// Makes `job` the job in hand: validates it and waits for nodes.
void begin_job(SchedulerPtr self, PendingJob job) {
  auto& st = self->state;
  st.spec = std::move(job.spec);
  st.reply = std::move(job.reply);
  st.submitter = std::move(job.submitter);
  st.job_started = Clock::now();
  st.version = 0;
  st.fingerprint = 0;
  st.fingerprint_version = -1;
  st.aggregating = false;
  st.flushed = false;
  st.phase = Phase::waiting;
  st.wait_deadline = st.uptime() + st.spec.cluster.join_timeout_s;
  if (auto why = st.spec.validate(); !why.empty()) {
    finish(self, runtime::RunStatus::failed, why);
    return;
  }
  st.resume.reset();
  if (!st.spec.checkpoint.resume.empty()) {
    // Continue a checkpointed job: its own spec, from the round after the checkpoint.
    try {
      auto cp = runtime::read_checkpoint(st.spec.checkpoint.resume);
      auto spec = cp.job;
      spec.checkpoint.resume = st.spec.checkpoint.resume;
      if (spec.checkpoint.dir.empty()) spec.checkpoint.dir = st.spec.checkpoint.resume;
      spec.cluster.min_nodes = st.spec.cluster.min_nodes;
      spec.cluster.join_timeout_s = st.spec.cluster.join_timeout_s;
      st.spec = spec;
      st.fingerprint = models::fingerprint(cp.model);
      st.resume = SchedulerState::ResumePoint{cp.round, std::move(cp.rounds)};
    } catch (const std::exception& e) {
      finish(self, runtime::RunStatus::failed, std::string("cannot resume: ") + e.what());
      return;
    }
  }
  try {
    runtime::make_allocator(st.spec.cluster.policy);
  } catch (const std::exception& e) {
    finish(self, runtime::RunStatus::failed, e.what());
    return;
  }
  try_start(self);
}

ClusterStatus status_of(const SchedulerState& st) {
  ClusterStatus out;
  const auto now = st.uptime();
  for (const auto* n : st.table.all()) {
    NodeStatus ns;
    ns.id = n->id;
    ns.state = runtime::to_string(n->state);
    ns.resources = n->resources;
    ns.usage = n->usage;
    ns.data = n->data;
    ns.current_task = n->current_task;
    ns.last_seen_s = now - n->last_seen;
    ns.incarnation = n->incarnation;
    ns.lost_reason = n->lost_reason;
    out.nodes.push_back(std::move(ns));
  }
  out.aggregator = static_cast<bool>(st.config.aggregator);
  if (st.phase != Phase::idle) {
    out.job = st.spec.name;
    out.rounds = st.spec.rounds;
    if (st.job) {
      out.round = st.job->round();
      out.progress = st.job->rounds();
    } else if (st.async_job) {
      out.round = st.async_job->round();
      out.progress = st.async_job->rounds();
    }
  }
  out.jobs_done = st.jobs_done;
  out.queued = static_cast<std::int32_t>(st.queue.size());
  return out;
}

/// Makes `aggregator` the cluster's aggregator unless a job is using another.
/// Queues or starts a submitted job; the submitter gets its report.
caf::typed_response_promise<runtime::RunReport> accept_job(SchedulerPtr self,
                                                           const runtime::JobSpec& spec) {
  auto& st = self->state;
  // Before make_response_promise, which takes the sender out of the message.
  auto sender = caf::actor_cast<caf::actor>(self->current_sender());
  auto rp = self->make_response_promise<runtime::RunReport>();
  PendingJob job{spec, rp, std::move(sender)};
  if (st.phase != Phase::idle)
    st.queue.push_back(std::move(job));  // runs when the jobs before it have ended
  else
    begin_job(self, std::move(job));
  return rp;
}

bool accept_aggregator(SchedulerPtr self, const caf::actor& aggregator) {
  auto& st = self->state;
  if (st.config.aggregator && st.config.aggregator.address() == aggregator.address()) return true;
  if (st.phase == Phase::running || st.phase == Phase::setting_up) return false;
  st.config.aggregator = caf::actor_cast<aggregator_actor>(aggregator);
  self->monitor(st.config.aggregator);
  // Nodes registered before learn the new aggregator.
  for (const auto* n : st.table.alive())
    self->send(st.handles.at(n->id), aggregator_atom::value, aggregator);
  try_start(self);
  return true;
}

void schedule_tick(SchedulerPtr self) {
  self->delayed_send(
      self, std::chrono::milliseconds(static_cast<int>(self->state.config.tick_interval_s * 1000)),
      tick_atom::value);
}

scheduler_actor::behavior_type scheduler_behavior(SchedulerPtr self, SchedulerConfig config) {
  self->state.config = std::move(config);
  self->state.gate = runtime::AdmissionGate(self->state.config.secret);
  self->state.table = runtime::NodeTable(self->state.config.heartbeat_timeout_s > 0
                                             ? self->state.config.heartbeat_timeout_s
                                             : std::numeric_limits<double>::infinity());
  if (self->state.config.aggregator) self->monitor(self->state.config.aggregator);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.config.aggregator && dm.source == st.config.aggregator.address()) {
      st.config.aggregator = nullptr;
      if (st.phase == Phase::running || st.phase == Phase::setting_up)
        finish(self, runtime::RunStatus::failed, "the aggregator was lost");
      return;
    }
    for (const auto& [id, handle] : st.handles) {
      if (handle.address() == dm.source) {
        const std::string node = id;  // a copy: the loss handling may change `handles`
        node_lost(self, node, describe(dm.reason, self->system()));
        return;
      }
    }
  });
  schedule_tick(self);
  return {
      [self](submit_atom, const runtime::JobSpec& spec) -> caf::result<runtime::RunReport> {
        if (self->state.gate.enabled()) {
          caf::aout(self) << "troupe scheduler: refused a job: no answer to a challenge"
                          << std::endl;
          return failure("admission refused: no answer to a challenge (a secret is required)");
        }
        return accept_job(self, spec);
      },
      [self](submit_atom, const runtime::JobSpec& spec, const std::string& nonce,
             const std::string& proof) -> caf::result<runtime::RunReport> {
        auto& st = self->state;
        if (auto why = st.gate.verify(kSubmitName, nonce, proof, st.uptime()); !why.empty()) {
          caf::aout(self) << "troupe scheduler: refused a job: " << why << std::endl;
          return failure("admission refused: " + why);
        }
        return accept_job(self, spec);
      },
      [self](register_atom, const NodeRegistration& reg,
             const caf::actor& node) -> caf::result<caf::actor> {
        auto& st = self->state;
        if (!st.config.aggregator) return failure("no aggregator has registered yet; try again");
        if (reg.name.empty() || !node)
          return failure("a registration needs a node name and handle");
        if (auto why = st.gate.verify(reg.name, reg.nonce, reg.proof, st.uptime()); !why.empty()) {
          caf::aout(self) << "troupe scheduler: refused node '" << reg.name << "' (" << reg.host
                          << ", pid " << reg.pid << "): " << why << std::endl;
          return failure("admission refused: " + why);
        }
        if (st.table.find(reg.name) && st.table.find(reg.name)->state == runtime::Liveness::alive)
          node_lost(self, reg.name, "re-registered");  // the old incarnation's work is reassigned
        st.table.join(reg.name, reg.resources, reg.data, reg.speed, st.uptime());
        auto handle = caf::actor_cast<node_actor>(node);
        st.handles[reg.name] = handle;
        st.registrants[reg.name] = caf::actor_cast<caf::actor_addr>(self->current_sender());
        self->monitor(handle);
        if (st.phase == Phase::waiting) {
          try_start(self);
        } else if (st.phase == Phase::running) {
          // Joined mid-job: set it up; it gets tasks from the next round on
          // (asynchronous jobs: at once).
          set_up_node(self, reg.name, [self](bool ok, const DataSummary*) {
            auto& st = self->state;
            if (!ok || !st.async_job) return;
            st.async_job->set_nodes(st.usable_nodes());
            async_pump(self);
          });
        }
        return caf::actor_cast<caf::actor>(st.config.aggregator);
      },
      [self](heartbeat_atom, const std::string& name,
             const runtime::NodeUsage& usage) -> caf::result<bool> {
        auto& st = self->state;
        const auto who = st.registrants.find(name);
        if (who != st.registrants.end() && who->second &&
            who->second != caf::actor_cast<caf::actor_addr>(self->current_sender()))
          return failure("a heartbeat for node '" + name +
                         "' from an actor that did not register it");
        return st.table.heartbeat(name, usage, st.uptime());
      },
      [self](status_atom) -> caf::result<ClusterStatus> {
        if (self->state.gate.enabled())
          return failure("admission refused: no answer to a challenge (a secret is required)");
        return status_of(self->state);
      },
      [self](status_atom, const std::string& nonce,
             const std::string& proof) -> caf::result<ClusterStatus> {
        auto& st = self->state;
        if (auto why = st.gate.verify(kStatusName, nonce, proof, st.uptime()); !why.empty())
          return failure("admission refused: " + why);
        return status_of(st);
      },
      [self](aggregator_atom, const caf::actor& aggregator) -> caf::result<bool> {
        if (self->state.gate.enabled()) {
          caf::aout(self) << "troupe scheduler: refused an aggregator: no answer to a challenge"
                          << std::endl;
          return failure("admission refused: no answer to a challenge (a secret is required)");
        }
        return accept_aggregator(self, aggregator);
      },
      [self](aggregator_atom, const caf::actor& aggregator, const std::string& nonce,
             const std::string& proof) -> caf::result<bool> {
        auto& st = self->state;
        if (auto why = st.gate.verify(kAggregatorName, nonce, proof, st.uptime()); !why.empty()) {
          caf::aout(self) << "troupe scheduler: refused an aggregator: " << why << std::endl;
          return failure("admission refused: " + why);
        }
        return accept_aggregator(self, aggregator);
      },
      [self](challenge_atom, const std::string& name) -> caf::result<std::string> {
        auto& st = self->state;
        try {
          return st.gate.issue(runtime::random_nonce(), name, st.uptime());
        } catch (const std::exception& e) {
          return failure(std::string("no challenge: ") + e.what());
        }
      },
      [self](tick_atom) {
        auto& st = self->state;
        for (const auto& id : st.table.expire(st.uptime())) {
          const auto* entry = st.table.find(id);
          reassign_work_of(self, id, entry ? entry->lost_reason : "no heartbeat");
        }
        try_start(self);
        if (st.phase == Phase::running) {
          aggregate_if_complete(self);  // a round deadline may have passed
          async_pump(self);
        }
        schedule_tick(self);
      },
  };
}

}  // namespace

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config) {
  return system.spawn(scheduler_behavior, std::move(config));
}

}  // namespace troupe::actors
