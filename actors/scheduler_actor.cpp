// The scheduler actor: one behaviour, the admission checks in front of it,
// and the events that move the jobs in hand through their phases. The node
// table lives in scheduler_nodes.cpp, a job's life in scheduler_job.cpp, and
// the job cores' steps are carried out in scheduler_steps.cpp.
//
// Phases of a job (RunPhase), up to SchedulerConfig::concurrent_jobs at once:
//
//            a slot free (beside another job,      an aggregator and
//            also its nodes and an aggregator)     --min-nodes free nodes
//   queued ----------------------------------> waiting -----------------> setting up
//     ^                                          | wait over                 |
//     |                                          v                           | every set-up
//     |    ended <-------------------------------+------- no node set up ----+ answered
//     |      ^                                                               v
//     |      +---- done, failed, cancelled, aggregator lost -------------- running
//     +-------------- paused at a round's end (--preempt) ------------------+
//
// Every job in hand holds its aggregator and its nodes until it ends; then the
// queue's next job may start. In every phase: heartbeats, status, hellos, node
// registrations and job requests (list, follow, fetch, cancel: scheduler_jobs.cpp)
// are answered. A node that joins goes to a job in hand that wants more (set up
// at once; its core gives it work when it sees fit), else it lets a waiting or
// queued job start. Ticks expire silent nodes, let waiting jobs start or fail,
// and reach the running jobs' cores.

#include "actors/scheduler_actor.hpp"

#include <algorithm>
#include <limits>

#include "actors/errors.hpp"
#include "actors/handshake.hpp"
#include "actors/job_bytes.hpp"
#include "actors/scheduler_observer.hpp"
#include "actors/scheduler_state.hpp"
#include "runtime/scheduling/job_order.hpp"
#include "runtime/system/metrics.hpp"

namespace troupe::actors {
namespace {

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

/// A submitted job joins the queue; it starts when its turn comes, or makes
/// a job in hand yield (--preempt).
void submitted(SchedulerPtr self, PendingJob job) {
  enqueue(self->state.queue, std::move(job));
  start_queued(self);
  maybe_preempt(self);
}

/// The periodic tick, after silent nodes were expired: waiting jobs start
/// or fail, queued ones may start, running cores see the time.
void ticked(SchedulerPtr self) {
  auto& st = self->state;
  // By serial: a run's steps may end it and others (its freed nodes let a
  // waiting one start or fail).
  std::vector<std::uint64_t> serials;
  for (const auto* run : st.runs_in_order()) serials.push_back(run->serial);
  const SchedulingStep step(self);  // every job's tasks of this tick placed together
  for (const auto serial : serials) {
    if (auto* r = st.run(serial); r && r->phase == RunPhase::waiting) try_start(self, *r);
    if (auto* r = st.run(serial); r && r->phase == RunPhase::running && r->core)
      run_steps(self, serial, r->core->tick(r->now()));
  }
  start_queued(self);
}

scheduler_actor::behavior_type scheduler_behavior(SchedulerPtr self) {
  return {
      [self](submit_atom, const runtime::JobSpec& spec,
             const runtime::Admission& answer) -> caf::result<runtime::RunReport> {
        auto job = spec;  // shares the model's bytes
        if (auto refusal = admit(self, kSubmitName, answer, "a job")) {
          forget_uploaded_script(job);
          return refusal;
        }
        if (auto why = take_uploaded_script(job); !why.empty())
          return make_error(troupe_error::job_refused, why);
        // Before make_response_promise, which takes the sender out of the message.
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        auto rp = self->make_response_promise<runtime::RunReport>();
        submitted(self, register_job(self, job, rp, std::move(sender)));
        return rp;
      },
      [self](bulk_atom, std::uint64_t size,
             const runtime::Admission& answer) -> caf::result<BulkOffer> {
        if (auto refusal = admit(self, kSubmitName, answer, "a model upload")) return refusal;
        BulkOffer offer;
        if (auto why = upload_ticket(size, offer); !why.empty()) return failure(why);
        return offer;
      },
      [self](detach_atom, const runtime::JobSpec& spec,
             const runtime::Admission& answer) -> caf::result<std::string> {
        auto submitted_job = spec;
        if (auto refusal = admit(self, kSubmitName, answer, "a job")) {
          forget_uploaded_script(submitted_job);
          return refusal;
        }
        if (auto why = take_uploaded_script(submitted_job); !why.empty())
          return make_error(troupe_error::job_refused, why);
        auto job = register_job(self, submitted_job, std::nullopt, nullptr);
        auto id = job.id;
        submitted(self, std::move(job));
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
      [self](register_atom, const NodeRegistration& reg,
             const caf::actor& node) -> caf::result<caf::actor> {
        auto& st = self->state;
        if (st.aggregators.empty())
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
        // Its job's aggregator comes with its set-up; until then, the first one.
        auto aggregator = caf::actor_cast<caf::actor>(st.aggregators.front());
        offer_node(self, reg.name);
        return aggregator;
      },
      [self](heartbeat_atom, const std::string& name, const runtime::NodeUsage& usage) {
        return heartbeat(self, name, usage);
      },
      [self](status_atom, const runtime::Admission& answer) -> caf::result<ClusterStatus> {
        if (auto refusal = admit(self, kStatusName, answer, "")) return refusal;
        return status_of(self->state);
      },
      [self](aggregator_atom, const caf::actor& aggregator,
             const runtime::Admission& answer) -> caf::result<bool> {
        if (auto refusal = admit(self, kAggregatorName, answer, "an aggregator")) return refusal;
        return offer_aggregator(self, aggregator);
      },
      [self](hello_atom, const std::string& name, const std::string& version,
             std::int32_t protocol) {
        return hello(self, name, {version, protocol});
      },
      [self](secagg_atom, std::uint64_t run_id, const AggregateOutcome& out) {
        auto* run = self->state.run_of(run_id);
        if (!run || !run->core) return;  // a late word of an earlier job
        run_steps(self, run->serial,
                  run->core->secure_buffer(
                      {out.version, out.changed, out.fingerprint, out.clip_norm, out.secure},
                      run->now()));
      },
      [self](tick_atom) {
        expire_nodes(self);
        observe_tick(self->state);
        ticked(self);
        schedule_tick(self);
      },
      [self](tick_atom, std::uint64_t serial) {  // a wake step of a job's core
        if (auto* run = self->state.run(serial); run && run->core)
          run_steps(self, serial, run->core->tick(run->now()));
      },
      [self](computing_atom, std::uint64_t run_id, std::int64_t task) {
        auto& st = self->state;
        auto* run = st.run_of(run_id);
        if (!run || !run->core || !run->core->open(task)) return;
        const auto node = st.handles.find(run->core->task(task).node);
        const auto& sender = self->current_sender();
        if (node == st.handles.end() || !sender || sender->address() != node->second.address())
          return;  // only the task's own node says when it computes
        run_steps(self, run->serial, run->core->task_computing(task, run->now()));
      },
  };
}

scheduler_actor::behavior_type init_scheduler(SchedulerPtr self, SchedulerConfig config) {
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
  if (st.config.aggregator)
    offer_aggregator(self, caf::actor_cast<caf::actor>(st.config.aggregator));
  for (const auto& a : st.config.more_aggregators)
    if (a) offer_aggregator(self, caf::actor_cast<caf::actor>(a));
  if (st.config.metrics) declare_scheduler_metrics(*st.config.metrics);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (const auto& a : st.aggregators) {
      if (a.address() == dm.source) {
        aggregator_lost(self, dm.source);
        return;
      }
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
  return scheduler_behavior(self);
}

}  // namespace

JobRun* SchedulerState::run_of_job(const std::string& job_id) {
  for (auto& [serial, run] : runs)
    if (run.job_id == job_id) return &run;
  return nullptr;
}

JobRun* SchedulerState::run_of(std::uint64_t run_id) {
  for (auto& [serial, run] : runs)
    if (run.spec.run_id == run_id) return &run;
  return nullptr;
}

JobRun* SchedulerState::owner(const std::string& id) {
  auto all = owners(id);
  return all.empty() ? nullptr : all.front();
}

std::vector<JobRun*> SchedulerState::owners(const std::string& id) {
  auto all = runs_in_order();
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const JobRun* run) { return !run->nodes.count(id); }),
            all.end());
  return all;
}

std::size_t SchedulerState::jobs_on(const std::string& id) const {
  return static_cast<std::size_t>(std::count_if(
      runs.begin(), runs.end(), [&](const auto& r) { return r.second.nodes.count(id) > 0; }));
}

std::vector<JobRun*> SchedulerState::runs_in_order() {
  std::vector<JobRun*> out;
  for (auto& [serial, run] : runs) out.push_back(&run);
  std::stable_sort(out.begin(), out.end(), [](const JobRun* a, const JobRun* b) {
    return runtime::starts_before(queue_key(a->spec, a->submitted),
                                  queue_key(b->spec, b->submitted));
  });
  return out;
}

std::vector<std::string> SchedulerState::free_nodes() const {
  std::vector<std::string> out;
  for (const auto* n : table.alive()) {
    const bool held = std::any_of(runs.begin(), runs.end(),
                                  [&](const auto& r) { return r.second.nodes.count(n->id) > 0; });
    if (!held) out.push_back(n->id);
  }
  return out;
}

std::vector<std::string> SchedulerState::takeable_nodes(const JobRun* run) const {
  if (!sharing()) return free_nodes();
  std::vector<std::string> out;
  for (const auto* n : table.alive())
    if (!run || (!run->nodes.count(n->id) && !run->refused.count(n->id))) out.push_back(n->id);
  return out;
}

aggregator_actor SchedulerState::free_aggregator() const {
  for (const auto& a : aggregators) {
    const bool used = std::any_of(runs.begin(), runs.end(), [&](const auto& r) {
      return r.second.aggregator && r.second.aggregator.address() == a.address();
    });
    if (!used) return a;
  }
  return {};
}

void start_queued(SchedulerPtr self) {
  auto& st = self->state;
  while (!st.queue.empty() && st.runs.size() < static_cast<std::size_t>(st.slots())) {
    // Beside another job, the next one starts only once it can be set up at
    // once: a job waiting for nodes that others hold would run out its wait.
    // Nor beside a job still waiting: it would take the nodes that one waits for.
    if (!st.runs.empty()) {
      for (const auto& [serial, run] : st.runs)
        if (run.phase == RunPhase::waiting) return;
      const auto& next = st.queue.front().spec;
      if (!st.free_aggregator() ||
          st.takeable_nodes(nullptr).size() <
              static_cast<std::size_t>(std::max(1, next.cluster.min_nodes)))
        return;
    }
    auto next = std::move(st.queue.front());
    st.queue.pop_front();
    begin_job(self, std::move(next));
  }
}

void offer_node(SchedulerPtr self, const std::string& id) {
  auto& st = self->state;
  const auto* entry = st.table.find(id);
  if (!entry || entry->state != runtime::Liveness::alive) return;
  if (!st.sharing() && st.owner(id)) return;
  for (auto* run : st.runs_in_order()) {
    if (run->phase == RunPhase::waiting) {
      // The node stays free for it (jobs of lower priority do not take it).
      try_start(self, *run);
      return;
    }
    const bool wants = st.slots() == 1 || run->local_job ||
                       run->nodes.size() < static_cast<std::size_t>(std::max(1, run->spec.nodes));
    if (!wants || run->nodes.count(id) || run->refused.count(id)) continue;
    // Joined after the job's set-up began: set it up too; the core gives it
    // work when it sees fit (synchronous jobs: a shard waiting for it at once,
    // others from the next round; asynchronous: at once). Set up before the
    // core exists, it is among the nodes the core starts with.
    set_up_node(self, *run, id, [self, serial = run->serial](bool ok, const DataSummary*) {
      auto* r = self->state.run(serial);
      if (ok && r && r->core) run_steps(self, serial, r->core->nodes_changed(r->now()));
    });
    if (!st.sharing()) return;  // shared, it may serve every job short of nodes
  }
  start_queued(self);
}

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config) {
  if (config.own_thread) return system.spawn<caf::detached>(init_scheduler, std::move(config));
  return system.spawn(init_scheduler, std::move(config));
}

}  // namespace troupe::actors
