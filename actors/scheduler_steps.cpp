// Carries out the steps of the job's core: every step becomes a message to a
// node or the aggregator (or ends the job), and every answer becomes an event
// for the core. One path for every mode: the core decides, this file sends.

#include <algorithm>
#include <chrono>
#include <deque>
#include <sstream>

#include "actors/errors.hpp"
#include "actors/scheduler_state.hpp"
#include "runtime/aggregation/round_failures.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {
namespace {

using runtime::Step;

/// Runs `event` on the core of the run of `serial` when that job is still
/// in hand (the answer is not for an earlier one) and carries out the steps
/// it returns.
template <class Event>
void answer(SchedulerPtr self, std::uint64_t serial, Event event) {
  auto* run = self->state.run(serial);
  if (!run || !run->core) return;
  run_steps(self, serial, event(*run));
}

/// Task `id` no longer occupies `node` (unless the node moved on to another task).
void release(SchedulerState& st, const std::string& node, std::int64_t id) {
  if (const auto* entry = st.table.find(node); entry && entry->current_task == id)
    st.table.set_current_task(node, -1);
}

/// Why task `s` failed: a timeout names the node and the limit, since the
/// node may be waiting on someone else (a stopped aggregator, a lossy link).
std::string describe_task_error(SchedulerPtr self, const JobRun& run, const Step& s,
                                const caf::error& err) {
  if (err.category() == caf::atom("system") &&
      err.code() == static_cast<std::uint8_t>(caf::sec::request_timeout)) {
    std::ostringstream out;
    out << "no answer from " << s.node << " within the task timeout ("
        << run.spec.cluster.task_timeout_s << " s, --task-timeout)";
    return out.str();
  }
  return describe(err, self->system());
}

/// Why task `s` failed, logged and counted.
std::string task_error(SchedulerPtr self, const JobRun& run, const Step& s, const caf::error& err) {
  auto why = describe_task_error(self, run, s, err);
  observe_task_failed(self->state, s.task, s.node, why);
  return why;
}

void send_train(SchedulerPtr self, const JobRun& run, const node_actor& node, const Step& s) {
  TrainTask msg{s.task,
                s.round,
                s.shard,
                s.version,
                s.seed,
                run.spec.run_id,
                run.spec.cluster.priority,
                run.spec.cluster.preempt};
  self->request(node, run.timeout(), train_atom::value, msg)
      .then(
          [self, s, serial = run.serial](const TrainOutcome& out) {
            answer(self, serial, [&](JobRun& r) {
              // Only work the aggregator took counts: a refused update (an
              // inflated claim, say) must not make its node look fast, and a
              // late one was never checked. (A straggler cancelled by its
              // backup is measured when it is released: measure_cancelled_straggler.)
              if (!out.dropped && out.receipt.accepted)
                self->state.table.record_throughput(s.node, runtime::model_key(r.spec),
                                                    out.samples_seen, out.compute_s);
              if (r.core->open(s.task)) release(self->state, s.node, s.task);
              if (out.yielded > 0) ++r.tasks_yielded;  // tasks, not their stops
              runtime::TrainResult result{out.samples, out.mean_loss, out.compute_s, out.dropped,
                                          out.receipt};
              return r.core->train_done(s.task, r.now(), result);
            });
          },
          [self, s, serial = run.serial](caf::error& err) {
            answer(self, serial, [&](JobRun& r) {
              if (r.core->open(s.task)) release(self->state, s.node, s.task);
              return r.core->task_failed(s.task, r.now(), task_error(self, r, s, err));
            });
          });
}

void send_eval(SchedulerPtr self, const JobRun& run, const node_actor& node, const Step& s) {
  self->request(node, run.timeout(), eval_atom::value,
                EvalTask{s.task, s.round, s.version, s.held_out, run.spec.run_id,
                         run.spec.cluster.priority, run.spec.cluster.preempt})
      .then(
          [self, s, serial = run.serial](const models::ClassificationMetrics& m) {
            answer(self, serial, [&](JobRun& r) {
              if (r.core->open(s.task)) release(self->state, s.node, s.task);
              return r.core->evaluated(s.task, r.now(), m);
            });
          },
          [self, s, serial = run.serial](caf::error& err) {
            answer(self, serial, [&](JobRun& r) {
              if (r.core->open(s.task)) release(self->state, s.node, s.task);
              return r.core->task_failed(s.task, r.now(), task_error(self, r, s, err));
            });
          });
}

/// Sends a train or evaluate step to its node; when the node is unknown the
/// task fails at once and the core's answer to that comes back.
runtime::Steps start_on_node(SchedulerPtr self, JobRun& run, const Step& s) {
  auto& st = self->state;
  auto handle = st.handles.find(s.node);
  if (handle == st.handles.end()) {
    observe_task_failed(st, s.task, s.node, "node unknown");
    return run.core->task_failed(s.task, run.now(), "node " + s.node + " unknown");
  }
  run.core->task_started(s.task, run.now());
  observe_task_started(st, run, run.core->task(s.task));
  st.table.set_current_task(s.node, s.task);
  if (s.kind == Step::Kind::train)
    send_train(self, run, handle->second, s);
  else
    send_eval(self, run, handle->second, s);
  return {};
}

void send_aggregate(SchedulerPtr self, const JobRun& run, const Step& s) {
  AggregateRequest req{s.round, s.tasks, {}, {}};
  if (s.round > 0) {
    req.failures = runtime::round_failures(run.core->tracker(), s.round);
    for (auto id : s.tasks) req.task_shards.push_back(run.core->task(id).shard);
  }
  self->request(run.aggregator, run.timeout(), aggregate_atom::value, std::move(req))
      .then(
          [self, serial = run.serial](const AggregateOutcome& out) {
            answer(self, serial, [&](JobRun& r) {
              return r.core->aggregated(
                  {out.version, out.changed, out.fingerprint, out.clip_norm, out.secure}, r.now());
            });
          },
          [self, serial = run.serial](caf::error& err) {
            answer(self, serial, [&](JobRun& r) {
              return r.core->aggregation_failed(describe(err, self->system()));
            });
          });
}

/// The aggregator holds the model, so it writes the checkpoint. A failed
/// write is logged and handed to the core, which fails the job when
/// --checkpoint-required and else goes on (a later checkpoint may succeed).
void send_checkpoint(SchedulerPtr self, const JobRun& run, const Step& s) {
  self->request(run.aggregator, run.timeout(), checkpoint_atom::value,
                CheckpointRequest{s.round, s.records, s.state, s.tasks,
                                  s.pause ? pause_directory(self->state, run) : std::string()})
      .then(
          [self, serial = run.serial](const std::string&) {
            answer(self, serial, [&](JobRun& r) { return r.core->checkpointed(r.now()); });
          },
          [self, serial = run.serial, round = s.round](caf::error& err) {
            const auto why = describe(err, self->system());
            runtime::logging::warn("troupe scheduler: no checkpoint after round " +
                                   std::to_string(round) + ": " + why);
            answer(self, serial,
                   [&](JobRun& r) { return r.core->checkpoint_failed(round, r.now(), why); });
          });
}

/// Tells the progress callback and the submitter that a round was evaluated.
void announce(SchedulerPtr self, const JobRun& run, const runtime::RoundRecord& record) {
  auto& st = self->state;
  observe_round(st, record);
  if (st.config.on_round) st.config.on_round(record, run.spec.rounds);
  if (run.submitter) caf::anon_send(run.submitter, progress_atom::value, record);
  job_progressed(self, run, record);
}

/// Carries out one step of `run`; returns the steps its core answered at once.
runtime::Steps carry_out(SchedulerPtr self, JobRun& run, const Step& s) {
  switch (s.kind) {
    case Step::Kind::train:
    case Step::Kind::evaluate:
      return start_on_node(self, run, s);
    case Step::Kind::aggregate:
    case Step::Kind::flush:
      send_aggregate(self, run, s);
      break;
    case Step::Kind::checkpoint:
      send_checkpoint(self, run, s);
      break;
    case Step::Kind::wake: {
      // A millisecond late rather than early: the core's rule compares strictly.
      const auto in = std::max(0.0, s.at - run.now()) + 0.001;
      self->delayed_send(self, std::chrono::microseconds(static_cast<std::int64_t>(in * 1e6)),
                         tick_atom::value, run.serial);
      break;
    }
    case Step::Kind::release:
      release(self->state, s.node, s.task);
      runtime::record_lost_straggler(self->state.table, runtime::model_key(run.spec),
                                     run.core->tracker(), s.task, run.core->computing_at(s.task));
      break;
    case Step::Kind::announce:
      announce(self, run, s.records.back());
      break;
    case Step::Kind::done:
      finish(self, run, runtime::RunStatus::ok, "");
      break;
    case Step::Kind::failed:
      finish(self, run, runtime::RunStatus::failed, s.reason);
      break;
    case Step::Kind::degraded:
      finish(self, run, runtime::RunStatus::degraded, s.reason);
      break;
    case Step::Kind::paused:
      requeue_paused(self, run, s.round, pause_directory(self->state, run));
      break;
  }
  return {};
}

}  // namespace

void run_steps(SchedulerPtr self, std::uint64_t serial, runtime::Steps steps) {
  std::deque<Step> pending_steps(std::make_move_iterator(steps.begin()),
                                 std::make_move_iterator(steps.end()));
  const SchedulingStep step(self);  // ends with the joint placement
  // Stops when the job ended (done, failed), even if a queued job started since.
  while (!pending_steps.empty()) {
    auto* run = self->state.run(serial);
    if (!run || !run->core) break;
    auto more = carry_out(self, *run, pending_steps.front());
    pending_steps.pop_front();
    for (auto& s : more) pending_steps.push_back(std::move(s));
  }
}

}  // namespace troupe::actors
