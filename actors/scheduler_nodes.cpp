// The scheduler's node table: registration, heartbeats, losses, status.

#include <chrono>

#include "actors/errors.hpp"
#include "actors/scheduler_state.hpp"
#include "runtime/system/live_capacity.hpp"

namespace troupe::actors {

runtime::UsableNodes usable_nodes(const SchedulerState& st) {
  runtime::UsableNodes out;
  std::string bad;  // validated at submission
  const auto demand = runtime::parse_job_demand(st.spec.cluster.demand, bad);
  const auto model = runtime::model_key(st.spec);
  const double mean = st.table.mean_throughput(model);  // once: per node it grew with N^2
  for (const auto* n : st.table.alive()) {
    if (!st.ready.count(n->id)) continue;
    auto why = runtime::cannot_hold(n->resources, n->usage, st.config.hold_need);
    if (why.empty() && demand) why = runtime::cannot_meet(n->resources, n->usage, *demand);
    if (!why.empty())
      out.held_back += "; node " + n->id + ": " + why;
    else
      out.nodes.push_back({n->id, st.table.planning_speed(n->id, model, mean),
                           st.local_job ? st.local.pinned_shard(n->id) : n->data.shard});
  }
  return out;
}

void node_lost(SchedulerPtr self, const std::string& id, const std::string& reason,
               LossCause cause) {
  auto& st = self->state;
  if (!st.table.lose(id, reason)) return;
  observe_node_lost(st, id, cause, reason);
  st.ready.erase(id);
  if (st.core) run_steps(self, st.core->node_lost(id, st.now(), reason));
}

void expire_nodes(SchedulerPtr self) {
  auto& st = self->state;
  for (const auto& id : st.table.expire(st.uptime())) {
    // The table already marked it lost; its work moves on.
    const auto* entry = st.table.find(id);
    observe_node_lost(st, id, LossCause::heartbeat_silent,
                      entry ? entry->lost_reason : "no heartbeat");
    st.ready.erase(id);
    if (st.core)
      run_steps(self,
                st.core->node_lost(id, st.now(), entry ? entry->lost_reason : "no heartbeat"));
  }
}

void join_node(SchedulerPtr self, const NodeRegistration& reg, const caf::actor& node) {
  auto& st = self->state;
  if (st.table.find(reg.name) && st.table.find(reg.name)->state == runtime::Liveness::alive)
    node_lost(self, reg.name, "re-registered",
              LossCause::replaced);  // the old incarnation's work moves on
  st.table.join(reg.name, reg.resources, reg.data, reg.speed, st.uptime());
  auto handle = caf::actor_cast<node_actor>(node);
  st.handles[reg.name] = handle;
  st.registrants[reg.name] = caf::actor_cast<caf::actor_addr>(self->current_sender());
  st.node_hosts[reg.name] = reg.host;
  self->monitor(handle);
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
    ns.speed = n->speed;
    ns.speed_given = n->speed_given;
    ns.throughput = n->throughput;
    out.nodes.push_back(std::move(ns));
  }
  out.aggregator = static_cast<bool>(st.config.aggregator);
  if (st.job_in_hand()) {
    out.job = st.spec.name;
    out.rounds = st.spec.rounds;
    if (st.core) {
      out.round = st.core->round();
      out.progress = st.core->rounds();
      out.yielding = st.core->pause_requested();
    }
    const auto since = [&](SchedulerState::Clock::time_point t) {
      return std::chrono::duration<double>(t - st.job_submitted).count();
    };
    out.job_id = st.job_id;
    out.priority = st.spec.cluster.priority;
    out.deadline_s = st.spec.cluster.deadline_s;
    out.waiting_s = since(st.yielded ? st.yielded->first_started : st.job_started);
    out.elapsed_s = since(SchedulerState::Clock::now());
    out.preempted = st.yielded ? st.yielded->times : 0;
  }
  out.jobs_done = st.jobs_done;
  out.queued = static_cast<std::int32_t>(st.queue.size());
  out.uptime_s = now;
  return out;
}

void set_up_node(SchedulerPtr self, const std::string& id,
                 std::function<void(bool, const DataSummary*)> done) {
  auto& st = self->state;
  self->request(st.handles.at(id), st.timeout(), setup_atom::value, st.spec)
      .then(
          [self, id, done, serial = st.job_serial](const DataSummary& s) {
            if (self->state.job_serial != serial) return;  // set up for an earlier job
            self->state.ready.insert(id);
            done(true, &s);
          },
          [self, id, done, serial = st.job_serial](caf::error& err) {
            node_lost(self, id, "set-up failed: " + describe(err, self->system()),
                      LossCause::setup_failed);
            if (self->state.job_serial == serial) done(false, nullptr);
          });
}

void take_aggregator(SchedulerPtr self, const caf::actor& aggregator) {
  auto& st = self->state;
  st.config.aggregator = caf::actor_cast<aggregator_actor>(aggregator);
  self->monitor(st.config.aggregator);
  // Nodes registered before learn the new aggregator.
  for (const auto* n : st.table.alive())
    self->send(st.handles.at(n->id), aggregator_atom::value, aggregator);
}

}  // namespace troupe::actors
