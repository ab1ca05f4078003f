// The scheduler actor: its phases, each a CAF behaviour switched with
// `become`, and the admission checks in front of them. The node table lives
// in scheduler_nodes.cpp, the job's life in scheduler_job.cpp, and the job
// core's steps are carried out in scheduler_steps.cpp.
//
// Phases of the job in hand:
//
//           submit                  aggregator and --min-nodes nodes
//   idle ----------> waiting ----------------------------------> setting up
//    ^                  |  wait over (job fails)                    |
//    |                  v                                           | aggregator and nodes
//    +------------------+<----- no node set up / aggregator lost ---+ answered set-up
//    |                                                              v
//    +<------- core's done or failed step / aggregator lost ---- running
//
// On entering idle the next queued job (if any) is taken at once.
// In every phase: heartbeats, status, hellos, node registrations and job
// requests (list, follow, fetch, cancel: scheduler_jobs.cpp) are answered; a submission while a job
// is in hand is queued. What differs:
//   idle       takes an aggregator;
//   waiting    takes an aggregator; starts set-up when a node or the
//              aggregator arrives or at a tick, or fails the job when the wait is over;
//   setting up keeps its aggregator;
//   running    keeps its aggregator; sets up nodes that join and tells the
//              core; passes ticks and node losses to the core.

#include "actors/scheduler_actor.hpp"

#include <limits>

#include "actors/errors.hpp"
#include "actors/handshake.hpp"
#include "actors/scheduler_observer.hpp"
#include "actors/scheduler_state.hpp"
#include "runtime/system/metrics.hpp"

namespace troupe::actors {
namespace {

/// Where the behaviours of the phases differ.
struct Phase {
  /// A job was submitted.
  std::function<void(PendingJob)> submitted;
  /// An aggregator offered itself: true when it is (now) the cluster's.
  std::function<bool(const caf::actor&)> aggregator_offered;
  /// An admitted node joined the table.
  std::function<void(const std::string&)> node_joined;
  /// The periodic tick, after silent nodes were expired.
  std::function<void()> ticked;
  /// The aggregator went down.
  std::function<void()> aggregator_lost;
};

/// Empty when `answer` admits `name`, or the refusal (logged when `refused`
/// names what was refused).
caf::error admit(SchedulerPtr self, const std::string& name, const runtime::Admission& answer,
                 const std::string& refused) {
  auto& st = self->state;
  auto why = st.gate.verify(name, answer, st.uptime());
  if (why.empty()) return {};
  observe_refusal(st, Refusal::admission, refused, why);
  return make_error(troupe_error::admission_refused, why);
}

/// Empty when the node's signature answers the nonce for its name and its key
/// is the one bound to that name (enrolling it on first use); otherwise the
/// refusal, logged. A live node under that name is left alone.
caf::error identify(SchedulerPtr self, const NodeRegistration& reg, const std::string& who) {
  auto& st = self->state;
  if (!st.config.remote) return {};
  const auto& a = reg.admission;
  std::string why;
  if (a.public_key.empty() || a.signature.empty())
    why = "no node key (start the node with --key-file)";
  else if (!runtime::verify_signature(
               a.public_key, runtime::admission_statement(st.id, a.nonce, reg.name), a.signature))
    why = "the signature does not match the node's key";
  else
    why = st.keys.admit(reg.name, a.public_key);
  if (why.empty()) return {};
  observe_refusal(st, Refusal::node_key, who, why);
  return make_error(troupe_error::admission_refused, why);
}

/// The hello: refuses another protocol version, else issues a nonce.
caf::result<std::string, std::string, std::string, std::int32_t> hello(SchedulerPtr self,
                                                                       const std::string& name,
                                                                       const Versions& theirs) {
  auto& st = self->state;
  const auto own = own_versions();
  if (auto why = version_mismatch("the scheduler", own, "'" + name + "'", theirs); !why.empty()) {
    observe_refusal(st, Refusal::version, "'" + name + "'", why);
    return make_error(troupe_error::version_mismatch, why);
  }
  try {
    return {st.gate.issue(runtime::random_nonce(), name, st.uptime()), st.id, own.troupe,
            own.protocol};
  } catch (const std::exception& e) {
    return make_error(troupe_error::no_challenge, std::string("no challenge: ") + e.what());
  }
}

void schedule_tick(SchedulerPtr self) {
  self->delayed_send(
      self, std::chrono::milliseconds(static_cast<int>(self->state.config.tick_interval_s * 1000)),
      tick_atom::value);
}

/// A job in hand keeps the aggregator it was set up with.
bool keep_aggregator(SchedulerPtr self, const caf::actor& aggregator) {
  const auto& current = self->state.config.aggregator;
  return current && current.address() == aggregator.address();
}

/// Takes an offered aggregator (no job depends on the current one).
bool take_offered(SchedulerPtr self, const caf::actor& aggregator) {
  if (!keep_aggregator(self, aggregator)) take_aggregator(self, aggregator);
  return true;
}

/// The running job cannot go on without its aggregator.
void fail_without_aggregator(SchedulerPtr self) {
  finish(self, runtime::RunStatus::failed, "the aggregator was lost");
}

scheduler_actor::behavior_type phase_behavior(SchedulerPtr self, Phase phase) {
  return {
      [self, phase](submit_atom, const runtime::JobSpec& spec,
                    const runtime::Admission& answer) -> caf::result<runtime::RunReport> {
        if (auto refusal = admit(self, kSubmitName, answer, "a job")) return refusal;
        // Before make_response_promise, which takes the sender out of the message.
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        auto rp = self->make_response_promise<runtime::RunReport>();
        phase.submitted(register_job(self, spec, rp, std::move(sender)));
        return rp;
      },
      [self, phase](detach_atom, const runtime::JobSpec& spec,
                    const runtime::Admission& answer) -> caf::result<std::string> {
        if (auto refusal = admit(self, kSubmitName, answer, "a job")) return refusal;
        auto job = register_job(self, spec, std::nullopt, nullptr);
        auto id = job.id;
        phase.submitted(std::move(job));
        return id;
      },
      [self](jobs_atom, const runtime::Admission& answer) -> caf::result<JobList> {
        if (auto refusal = admit(self, kJobsName, answer, "a job list")) return refusal;
        return list_jobs(self->state);
      },
      [self](follow_atom, const std::string& id,
             const runtime::Admission& answer) -> caf::result<std::string> {
        if (auto refusal = admit(self, kJobsName, answer, "following " + id)) return refusal;
        return follow_job(self, id);
      },
      [self](fetch_atom, const std::string& id,
             const runtime::Admission& answer) -> caf::result<std::string, std::string> {
        if (auto refusal = admit(self, kJobsName, answer, "the report of " + id)) return refusal;
        return fetch_job(self, id);
      },
      [self](cancel_atom, const std::string& id,
             const runtime::Admission& answer) -> caf::result<bool, std::string> {
        if (auto refusal = admit(self, kJobsName, answer, "cancelling " + id)) return refusal;
        return cancel_job(self, id);
      },
      [self, phase](register_atom, const NodeRegistration& reg,
                    const caf::actor& node) -> caf::result<caf::actor> {
        auto& st = self->state;
        if (!st.config.aggregator)
          return make_error(troupe_error::no_aggregator,
                            "no aggregator has registered yet; try again");
        if (reg.name.empty() || !node)
          return make_error(troupe_error::bad_registration,
                            "a registration needs a node name and handle");
        const auto who =
            "node '" + reg.name + "' (" + reg.host + ", pid " + std::to_string(reg.pid) + ")";
        if (auto refusal = admit(self, reg.name, reg.admission, who)) return refusal;
        if (auto refusal = identify(self, reg, who)) return refusal;
        join_node(self, reg, node);
        phase.node_joined(reg.name);
        return caf::actor_cast<caf::actor>(st.config.aggregator);
      },
      [self](heartbeat_atom, const std::string& name, const runtime::NodeUsage& usage) {
        return heartbeat(self, name, usage);
      },
      [self](status_atom, const runtime::Admission& answer) -> caf::result<ClusterStatus> {
        if (auto refusal = admit(self, kStatusName, answer, "")) return refusal;
        return status_of(self->state);
      },
      [self, phase](aggregator_atom, const caf::actor& aggregator,
                    const runtime::Admission& answer) -> caf::result<bool> {
        if (auto refusal = admit(self, kAggregatorName, answer, "an aggregator")) return refusal;
        return phase.aggregator_offered(aggregator);
      },
      [self](hello_atom, const std::string& name, const std::string& version,
             std::int32_t protocol) {
        return hello(self, name, {version, protocol});
      },
      [self](secagg_atom, std::uint64_t run_id, const AggregateOutcome& out) {
        auto& st = self->state;
        if (!st.core || st.spec.run_id != run_id) return;  // a late word of an earlier job
        run_steps(self, st.core->secure_buffer(
                            {out.version, out.changed, out.fingerprint, out.clip_norm, out.secure},
                            st.now()));
      },
      [self, phase](tick_atom) {
        expire_nodes(self);
        observe_tick(self->state);
        phase.ticked();
        schedule_tick(self);
      },
      [self](tick_atom, std::uint64_t serial) {  // a wake step of the job's core
        auto& st = self->state;
        if (st.core && st.job_serial == serial) run_steps(self, st.core->tick(st.now()));
      },
      [self](computing_atom, std::uint64_t run_id, std::int64_t task) {
        auto& st = self->state;
        if (!st.core || st.spec.run_id != run_id || !st.core->open(task)) return;
        const auto node = st.handles.find(st.core->task(task).node);
        const auto& sender = self->current_sender();
        if (node == st.handles.end() || !sender || sender->address() != node->second.address())
          return;  // only the task's own node says when it computes
        run_steps(self, st.core->task_computing(task, st.now()));
      },
  };
}

/// What the phases share: submissions are queued, the aggregator is kept,
/// joins, ticks and the aggregator's loss change nothing. Each phase starts
/// from this and says where it differs.
Phase quiet_phase(SchedulerPtr self) {
  Phase p;
  p.submitted = [self](PendingJob job) { enqueue(self->state.queue, std::move(job)); };
  p.aggregator_offered = [self](const caf::actor& a) { return keep_aggregator(self, a); };
  p.node_joined = [](const std::string&) {};
  p.ticked = [] {};
  p.aggregator_lost = [] {};
  return p;
}

Phase idle_phase(SchedulerPtr self) {
  auto p = quiet_phase(self);
  p.submitted = [self](PendingJob job) { begin_job(self, std::move(job)); };
  p.aggregator_offered = [self](const caf::actor& a) { return take_offered(self, a); };
  return p;
}

Phase waiting_phase(SchedulerPtr self) {
  auto p = quiet_phase(self);
  p.aggregator_offered = [self](const caf::actor& a) {
    take_offered(self, a);
    try_start(self);
    return true;
  };
  p.node_joined = [self](const std::string&) { try_start(self); };
  p.ticked = [self] { try_start(self); };
  return p;
}

/// Joined after the job's set-up began: set it up too; the core gives it work
/// when it sees fit (synchronous jobs: a shard waiting for it at once, others
/// from the next round; asynchronous: at once). Set up before the core
/// exists, it is among the nodes the core starts with.
void set_up_latecomer(SchedulerPtr self, const std::string& id) {
  set_up_node(self, id, [self](bool ok, const DataSummary*) {
    auto& st = self->state;
    if (ok && st.core) run_steps(self, st.core->nodes_changed(st.now()));
  });
}

Phase setting_up_phase(SchedulerPtr self) {
  auto p = quiet_phase(self);
  p.node_joined = [self](const std::string& id) { set_up_latecomer(self, id); };
  p.aggregator_lost = [self] { fail_without_aggregator(self); };
  return p;
}

Phase running_phase(SchedulerPtr self) {
  auto p = quiet_phase(self);
  p.submitted = [self](PendingJob job) {
    enqueue(self->state.queue, std::move(job));
    maybe_preempt(self);
  };
  p.node_joined = [self](const std::string& id) { set_up_latecomer(self, id); };
  p.ticked = [self] {
    auto& st = self->state;
    if (st.core) run_steps(self, st.core->tick(st.now()));
  };
  p.aggregator_lost = [self] { fail_without_aggregator(self); };
  return p;
}

void enter(SchedulerPtr self, Phase phase) {
  self->state.on_aggregator_lost = phase.aggregator_lost;
  self->become(phase_behavior(self, std::move(phase)));
}

scheduler_actor::behavior_type scheduler_behavior(SchedulerPtr self, SchedulerConfig config) {
  auto& st = self->state;
  st.config = std::move(config);
  runtime::AdmissionOptions admission;
  admission.require_nonce = st.config.remote;
  st.gate = runtime::AdmissionGate(st.config.secret, admission);
  st.keys = st.config.allowed_nodes.empty() ? runtime::NodeKeys()
                                            : runtime::NodeKeys(st.config.allowed_nodes);
  st.id = runtime::random_nonce();
  st.jobs = st.config.jobs ? st.config.jobs : std::make_shared<runtime::JobRegistry>();
  st.table = runtime::NodeTable(st.config.heartbeat_timeout_s > 0
                                    ? st.config.heartbeat_timeout_s
                                    : std::numeric_limits<double>::infinity());
  if (st.config.aggregator) self->monitor(st.config.aggregator);
  if (st.config.metrics) declare_scheduler_metrics(*st.config.metrics);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.config.aggregator && dm.source == st.config.aggregator.address()) {
      st.config.aggregator = nullptr;
      st.on_aggregator_lost();
      return;
    }
    for (const auto& [id, handle] : st.handles) {
      if (handle.address() == dm.source) {
        const std::string node = id;  // a copy: the loss handling may change `handles`
        node_lost(self, node, describe(dm.reason, self->system()), LossCause::connection_dropped);
        return;
      }
    }
  });
  schedule_tick(self);
  auto idle = idle_phase(self);
  st.on_aggregator_lost = idle.aggregator_lost;
  return phase_behavior(self, std::move(idle));
}

}  // namespace

void enter_idle(SchedulerPtr self) {
  enter(self, idle_phase(self));
}

void enter_waiting(SchedulerPtr self) {
  enter(self, waiting_phase(self));
}

void enter_setting_up(SchedulerPtr self) {
  enter(self, setting_up_phase(self));
}

void enter_running(SchedulerPtr self) {
  enter(self, running_phase(self));
}

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config) {
  if (config.own_thread) return system.spawn<caf::detached>(scheduler_behavior, std::move(config));
  return system.spawn(scheduler_behavior, std::move(config));
}

}  // namespace troupe::actors
