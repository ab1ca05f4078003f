// The scheduler's node table: registration, heartbeats, losses, status.

#include <algorithm>
#include <chrono>

#include "actors/errors.hpp"
#include "actors/job_bytes.hpp"
#include "actors/scheduler_state.hpp"
#include "runtime/system/live_capacity.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {

namespace {

/// How many other jobs in hand that `run` does not go before share node `id`
/// (with --share-nodes): the node runs their waiting tasks before or beside
/// this job's, so the job sees it slower by that many.
std::size_t sharers_ahead(const SchedulerState& st, const JobRun& run, const std::string& id) {
  std::size_t n = 0;
  for (const auto& [serial, other] : st.runs)
    if (serial != run.serial && other.nodes.count(id) &&
        other.spec.cluster.priority >= run.spec.cluster.priority)
      ++n;
  return n;
}

}  // namespace

runtime::UsableNodes assess_nodes(const SchedulerState& st, const JobRun& run,
                                  const std::set<std::string>& among) {
  runtime::UsableNodes out;
  std::string bad;  // validated at submission
  const auto demand = runtime::parse_job_demand(run.spec.cluster.demand, bad);
  const auto model = runtime::model_key(run.spec);
  const double mean = st.table.mean_throughput(model);  // once: per node it grew with N^2
  for (const auto* n : st.table.alive()) {
    if (!among.count(n->id)) continue;
    auto why = runtime::cannot_hold(n->resources, n->usage, st.config.hold_need);
    if (why.empty() && demand) why = runtime::cannot_meet(n->resources, n->usage, *demand);
    if (!why.empty())
      out.held_back += "; node " + n->id + ": " + why;
    else
      out.nodes.push_back(
          {n->id,
           st.table.planning_speed(n->id, model, mean) /
               static_cast<double>(1 + (st.sharing() ? sharers_ahead(st, run, n->id) : 0)),
           run.local_job ? run.local.pinned_shard(n->id) : n->data.shard});
  }
  return out;
}

void tell_leave(SchedulerPtr self, const std::string& id, std::uint64_t run_id) {
  const auto& handles = self->state.handles;
  if (auto h = handles.find(id); h != handles.end() && h->second)
    self->send(h->second, leave_atom::value, run_id);
}

runtime::UsableNodes usable_nodes(const SchedulerState& st, const JobRun& run) {
  return assess_nodes(st, run, run.ready);
}

namespace {

/// Node `id`, marked lost in the table, leaves the job it served; its work
/// there moves on.
void leave_job(SchedulerPtr self, const std::string& id, LossCause cause,
               const std::string& reason) {
  auto& st = self->state;
  std::vector<std::uint64_t> served;  // shared, it may serve several
  for (const auto* run : st.owners(id)) served.push_back(run->serial);
  observe_node_lost(st, st.owner(id), id, cause, reason);
  const SchedulingStep step(self);  // what the jobs place anew, placed together
  for (auto serial : served) {
    auto* run = st.run(serial);  // an earlier one's steps may have ended it
    if (!run) continue;
    // A node cut off, not dead, lets go of the job when it hears again (set
    // up for it again, it starts afresh).
    tell_leave(self, id, run->spec.run_id);
    run->nodes.erase(id);
    run->ready.erase(id);
    if (run->core) run_steps(self, serial, run->core->node_lost(id, run->now(), reason));
  }
  // A free node, if any, takes its place (beside other jobs a job holds at
  // most its --nodes; alone it holds every node already). Shared, any node
  // the job does not hold yet, the least shared first.
  auto offers = st.sharing() ? st.takeable_nodes(nullptr) : st.free_nodes();
  std::stable_sort(offers.begin(), offers.end(), [&](const std::string& a, const std::string& b) {
    return st.jobs_on(a) < st.jobs_on(b);
  });
  for (const auto& node : offers) offer_node(self, node);
}

}  // namespace

void node_lost(SchedulerPtr self, const std::string& id, const std::string& reason,
               LossCause cause) {
  if (!self->state.table.lose(id, reason)) return;
  leave_job(self, id, cause, reason);
}

void expire_nodes(SchedulerPtr self) {
  auto& st = self->state;
  for (const auto& id : st.table.expire(st.uptime())) {
    // The table already marked it lost; its work moves on.
    const auto* entry = st.table.find(id);
    leave_job(self, id, LossCause::heartbeat_silent, entry ? entry->lost_reason : "no heartbeat");
  }
}

void join_node(SchedulerPtr self, const NodeRegistration& reg, const caf::actor& node) {
  auto& st = self->state;
  if (st.table.find(reg.name) && st.table.find(reg.name)->state == runtime::Liveness::alive)
    node_lost(self, reg.name, "re-registered",
              LossCause::replaced);  // the old incarnation's work moves on
  st.table.join(reg.name, reg.resources, reg.data, reg.speed, st.uptime());
  st.whole_jobs.erase(reg.name);  // a new process may reach the data plane
  auto handle = caf::actor_cast<node_actor>(node);
  st.handles[reg.name] = handle;
  st.registrants[reg.name] = caf::actor_cast<caf::actor_addr>(self->current_sender());
  st.node_hosts[reg.name] = reg.host;
  self->monitor(handle);
  // It serves no job here yet: whatever it still holds for jobs of an earlier
  // registration (a leave_atom lost while it was cut off, a scheduler that
  // restarted) goes, but for one job's data, kept for its next set-up.
  tell_leave(self, reg.name, 0);
  observe_node_joined(st, reg);
}

caf::result<bool> heartbeat(SchedulerPtr self, const std::string& name,
                            const runtime::NodeUsage& usage) {
  auto& st = self->state;
  const auto who = st.registrants.find(name);
  if (who != st.registrants.end() && who->second &&
      who->second != caf::actor_cast<caf::actor_addr>(self->current_sender()))
    return make_error(troupe_error::foreign_heartbeat,
                      "a heartbeat for node '" + name + "' from an actor that did not register it");
  return st.table.heartbeat(name, usage, st.uptime());
}

ClusterStatus status_of(SchedulerState& st) {
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
    ns.speed = n->speed;
    ns.speed_given = n->speed_given;
    ns.throughput = n->throughput;
    for (const auto* run : st.owners(n->id)) ns.jobs.push_back(run->job_id);
    if (!ns.jobs.empty()) ns.job = ns.jobs.front();
    out.nodes.push_back(std::move(ns));
  }
  out.aggregator = !st.aggregators.empty();
  // The job in hand of the highest priority (`troupe jobs` lists them all).
  const auto runs = st.runs_in_order();
  for (const auto* run : runs) out.running.push_back(run->job_id);
  if (!runs.empty()) {
    const auto& run = *runs.front();
    out.job = run.spec.name;
    out.rounds = run.spec.rounds;
    if (run.core) {
      out.round = run.core->round();
      out.progress = run.core->rounds();
      out.yielding = run.core->pause_requested();
    }
    const auto since = [&](SchedulerState::Clock::time_point t) {
      return std::chrono::duration<double>(t - run.submitted).count();
    };
    out.job_id = run.job_id;
    out.priority = run.spec.cluster.priority;
    out.deadline_s = run.spec.cluster.deadline_s;
    out.waiting_s = since(run.yielded ? run.yielded->first_started : run.started);
    out.elapsed_s = since(SchedulerState::Clock::now());
    out.preempted = run.yielded ? run.yielded->times : 0;
  }
  out.jobs_done = st.jobs_done;
  out.queued = static_cast<std::int32_t>(st.queue.size());
  out.uptime_s = now;
  return out;
}

void set_up_aggregator(SchedulerPtr self, JobRun& run, std::function<void(std::int64_t)> ok,
                       std::function<void(caf::error&)> failed) {
  // An aggregator in another process fetches a large model's bytes too.
  const auto to = run.aggregator.address();
  const bool whole = self->state.whole_aggregator_jobs.count(to) > 0;
  self->request(run.aggregator, run.timeout(), setup_atom::value,
                job_for(to.node(), self->node(), run.spec, run.timeout(), whole))
      .then([ok](std::int64_t version) { ok(version); },
            [self, ok, failed, whole, to, serial = run.serial](caf::error& err) {
              auto& st = self->state;
              if (is(err, troupe_error::script_unfetched) && !whole) {
                runtime::logging::info("troupe scheduler: aggregator set-up failed: " +
                                           describe(err, self->system()) + "; it gets jobs whole",
                                       {{"event", "script_unfetched"}, {"node", "aggregator"}});
                st.whole_aggregator_jobs.insert(to);
                auto* r = st.run(serial);
                if (r && r->aggregator.address() == to)
                  return set_up_aggregator(self, *r, std::move(ok), std::move(failed));
              }
              failed(err);
            });
}

void set_up_node(SchedulerPtr self, JobRun& run, const std::string& id,
                 std::function<void(bool, const DataSummary*)> done) {
  auto& st = self->state;
  run.nodes.insert(id);
  const auto& node = st.handles.at(id);
  // Before the job (messages between two actors keep their order): the
  // node sends this job's updates to this job's aggregator.
  self->send(node, aggregator_atom::value, caf::actor_cast<caf::actor>(run.aggregator));
  // A node in another process fetches a large model's bytes (actors/job_bytes.hpp).
  const auto where = caf::actor_cast<caf::actor_addr>(node).node();
  const bool whole = st.whole_jobs.count(id) > 0;
  self->request(node, run.timeout(), setup_atom::value,
                job_for(where, self->node(), run.spec, run.timeout(), whole))
      .then(
          [self, id, done, serial = run.serial](const DataSummary& s) {
            auto* r = self->state.run(serial);
            if (!r) return;  // set up for an earlier job
            if (!r->nodes.count(id)) {
              done(false, nullptr);  // lost while it was set up
              return;
            }
            r->ready.insert(id);
            done(true, &s);
          },
          [self, id, done, whole, to = node.address(), serial = run.serial](caf::error& err) {
            const auto why = "set-up failed: " + describe(err, self->system());
            auto& st = self->state;
            auto* r = st.run(serial);
            if (is(err, troupe_error::script_unfetched) && !whole) {
              // It could not reach the data plane: the model comes in the job.
              runtime::logging::info("troupe scheduler: " + why + "; it gets jobs whole",
                                     {{"event", "script_unfetched"}, {"node", id}});
              st.whole_jobs.insert(id);
              if (!r) return;  // the job ended meanwhile
              const auto h = st.handles.find(id);
              if (!r->nodes.count(id) || h == st.handles.end() || h->second.address() != to)
                return done(false, nullptr);  // lost, or registered again, meanwhile
              set_up_node(self, *r, id, done);
              return;
            }
            if (st.sharing() && r && err.category() == caf::atom("system") &&
                err.code() == static_cast<std::uint8_t>(caf::sec::runtime_error)) {
              // The node answered: it cannot take this job (its data, its
              // shard). It goes on serving the others and is not offered
              // this one again.
              runtime::logging::warn(
                  "troupe scheduler: node '" + id + "' cannot serve " + r->job_id + ": " + why,
                  {{"event", "setup_refused"}, {"node", id}, {"job", r->job_id}});
              r->nodes.erase(id);
              r->ready.erase(id);
              r->refused.insert(id);
              r->setup_failures[id] = why;
              tell_leave(self, id, r->spec.run_id);
              done(false, nullptr);
              return;
            }
            node_lost(self, id, why, LossCause::setup_failed);
            if (self->state.run(serial)) done(false, nullptr);
          });
}

bool offer_aggregator(SchedulerPtr self, const caf::actor& aggregator) {
  auto& st = self->state;
  if (!aggregator) return false;
  auto& pool = st.aggregators;
  const bool known = std::any_of(pool.begin(), pool.end(), [&](const aggregator_actor& a) {
    return a.address() == aggregator.address();
  });
  if (!known) {
    auto handle = caf::actor_cast<aggregator_actor>(aggregator);
    if (pool.size() < static_cast<std::size_t>(st.slots())) {
      pool.push_back(handle);
    } else if (auto idle = st.free_aggregator()) {
      // It replaces one that no job uses (an aggregator process restarted, say).
      auto at = std::find_if(pool.begin(), pool.end(), [&](const aggregator_actor& a) {
        return a.address() == idle.address();
      });
      self->demonitor(at->address());
      *at = handle;
    } else {
      return false;  // every job in hand keeps the aggregator it was set up with
    }
    self->monitor(handle);
  }
  for (auto* run : st.runs_in_order())
    if (run->phase == RunPhase::waiting) try_start(self, *run);
  start_queued(self);
  return true;
}

void aggregator_lost(SchedulerPtr self, const caf::actor_addr& aggregator) {
  auto& st = self->state;
  auto& pool = st.aggregators;
  pool.erase(std::remove_if(pool.begin(), pool.end(),
                            [&](const aggregator_actor& a) { return a.address() == aggregator; }),
             pool.end());
  std::vector<std::uint64_t> failed;
  for (const auto& [serial, run] : st.runs)
    if (run.phase != RunPhase::waiting && run.aggregator && run.aggregator.address() == aggregator)
      failed.push_back(serial);
  for (auto serial : failed)
    if (auto* run = st.run(serial))
      finish(self, *run, runtime::RunStatus::failed, "the aggregator was lost");
}

}  // namespace troupe::actors
