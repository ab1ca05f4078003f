#include "actors/node_actor.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "actors/errors.hpp"
#include "actors/job_bytes.hpp"
#include "actors/node_state.hpp"
#include "runtime/dp/local_dp_node_behaviour.hpp"
#include "runtime/node/gated_node_behaviour.hpp"
#include "runtime/node/local_data.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/system/memory_tuning.hpp"

namespace troupe::actors {
namespace node {

void enqueue(NodePtr self, double priority, runtime::TaskTurns::Work work, bool preempts,
             std::uint64_t hold) {
  auto& turns = self->state.turns;
  const bool idle = turns.add(priority, std::move(work), preempts);
  // Its turn comes after the messages already in the mailbox are queued too.
  if (hold != 0 ? turns.release(hold) : idle)
    self->send(caf::actor_cast<node_impl>(self), next_atom::value);
}

void unhold(NodePtr self, std::uint64_t hold) {
  if (hold != 0 && self->state.turns.release(hold))
    self->send(caf::actor_cast<node_impl>(self), next_atom::value);
}

void end_turn(NodePtr self, std::uint64_t turn) {
  if (self->state.turns.end(turn)) self->send(caf::actor_cast<node_impl>(self), next_atom::value);
}

RunSlot* slot_of(NodeState& st, std::uint64_t run_id) {
  auto it = st.runs.find(run_id == 0 ? st.last_setup : run_id);
  if (it == st.runs.end()) return nullptr;
  it->second.used = ++st.clock;
  return &it->second;
}

void let_model_go(RunSlot& slot) {
  if (slot.job) runtime::release_after_large_model(slot.job->train.model_script.size());
  if (!lean(slot)) return;
  slot.model = no_model();
  slot.model_version = -1;
  runtime::release_thread_cache();
}

namespace {

/// The slot run `run_id` is set up in: its own (set up again), else a new one
/// that starts from the spare's data and behaviour.
RunSlot& slot_for_setup(NodeState& st, std::uint64_t run_id) {
  if (auto it = st.runs.find(run_id); it != st.runs.end()) return it->second;
  if (st.runs.size() >= kMaxRunSlots) {
    auto oldest = std::min_element(
        st.runs.begin(), st.runs.end(),
        [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    st.runs.erase(oldest);
  }
  auto& slot = st.runs[run_id];
  if (st.spare) {
    slot = std::move(*st.spare);
    st.spare.reset();
  }
  return slot;
}

int threads_of(const NodeState& st, const runtime::JobSpec& job) {
  return st.config.threads > 0 ? st.config.threads : job.compute.threads;
}

std::string device_of(const NodeState& st, const runtime::JobSpec& job) {
  return st.config.device.empty() ? job.compute.device : st.config.device;
}

/// Run `run_id` (0: every run) leaves the node: the slot it used last keeps
/// its data and behaviour as the spare for the next set-up; its model, its
/// job and every other slot go.
void leave(NodeState& st, std::uint64_t run_id) {
  auto keep = st.runs.end();
  if (run_id != 0) {
    keep = st.runs.find(run_id);
  } else {
    keep = std::max_element(st.runs.begin(), st.runs.end(), [](const auto& a, const auto& b) {
      return a.second.used < b.second.used;
    });
  }
  if (keep == st.runs.end()) return;
  auto spare = std::make_unique<RunSlot>(std::move(keep->second));
  if (run_id != 0)
    st.runs.erase(keep);
  else
    st.runs.clear();
  spare->forget_job();
  st.spare = std::move(spare);
}

/// Sets the node up for `job` in the job's own slot; answers what its data holds.
caf::result<DataSummary> set_up(NodePtr self, const runtime::JobSpec& sent) {
  auto& st = self->state;
  // A large model's bytes come over the scheduler's data plane (actors/job_bytes.hpp).
  std::optional<runtime::JobSpec> fetched;
  if (!sent.train.script_offer.ticket.empty()) {
    fetched = sent;
    // Each stall at most a quarter of the task timeout (and the set-up's), so
    // that a fetch that fails is answered in time for the job to come whole.
    const double stall = std::min(30.0, sent.cluster.task_timeout_s / 4.0);
    if (auto why = fetch_offered_script(*fetched, stall); !why.empty())
      return make_error(troupe_error::script_unfetched, st.config.name + ": " + why);
  }
  const auto& job = fetched ? *fetched : sent;
  auto& slot = slot_for_setup(st, job.run_id);
  slot.used = ++st.clock;
  slot.ready = false;
  slot.try_data_plane_again();  // a node set up again (it rejoined) may reach it now
  st.last_setup = job.run_id;
  // The aggregator sent before this set-up; else the one the node was made with.
  slot.aggregator = st.next_aggregator ? st.next_aggregator : st.config.aggregator;
  try {
    const auto& placement = st.config.placement;
    if (placement.shard >= 0 && placement.shards != job.nodes)
      return failure(st.config.name + ": holds shard " + std::to_string(placement.shard) + "/" +
                     std::to_string(placement.shards) + " but the job splits the data into " +
                     std::to_string(job.nodes) + " shards");
    if (st.config.local)
      if (auto why =
              runtime::local_data_problem(st.config.name, placement.source, *st.config.local, job);
          !why.empty())
        return failure(why);
    slot.job = job;
    if (st.config.data) {
      slot.catalog = st.config.data;
    } else {
      const auto dir = st.config.data_dir.empty() ? job.data.data_dir : st.config.data_dir;
      const auto same = [&](const std::shared_ptr<runtime::DataCatalog>& c) {
        return c && c->dir() == dir && c->train_limit() == job.data.train_limit &&
               c->test_limit() == job.data.test_limit;
      };
      if (!same(slot.catalog)) {
        slot.catalog.reset();
        // Another job on this node may hold the same data already.
        for (const auto& [id, other] : st.runs)
          if (!slot.catalog && same(other.catalog)) slot.catalog = other.catalog;
        if (!slot.catalog)
          // This node's alone: it reads the shards it trains, not the whole set.
          slot.catalog = std::make_shared<runtime::DataCatalog>(
              dir, job.data.train_limit, job.data.test_limit, runtime::Holding::shards);
      }
    }
    const auto& name =
        st.config.behaviour.empty() ? job.cluster.node_behaviour : st.config.behaviour;
    if (!slot.behaviour || slot.behaviour_name != name) {
      slot.behaviour.reset();
      slot.behaviour = std::make_unique<runtime::MisbehavingNodeBehaviour>(
          std::make_unique<runtime::GatedNodeBehaviour>(
              std::make_unique<runtime::LocalDpNodeBehaviour>(runtime::make_node_behaviour(name)),
              st.config.gate),
          st.config.misbehaviour);
      slot.behaviour_name = name;
    }
    runtime::NodeSetup setup;
    setup.node = st.config.name;
    setup.job = job;
    setup.data = slot.catalog;
    setup.local = st.config.local;
    setup.device = {device_of(st, job), threads_of(st, job)};
    // Not for nodes that merely share workers: with every one of 1,000
    // pooled nodes training each round, making trainers again took
    // round times from 0.75 s to 1.38 s for 1.98 -> 1.32 MiB per node
    // (bench/collaboration/experiments.py scale).
    setup.release_between_tasks = runtime::nodes_are_sampled(job);
    setup.trainers = st.config.trainers;
    auto data = slot.behaviour->setup(setup);
    // A node with its own data holds one shard, whatever the job's --nodes.
    if (!st.config.local && data.sizes().size() != static_cast<std::size_t>(job.nodes))
      return failure(st.config.name + ": node behaviour '" + name + "' reported " +
                     std::to_string(data.sizes().size()) + " shards, the job has " +
                     std::to_string(job.nodes));
    slot.model_version = -1;
    slot.model = no_model();
    slot.shards = data.sizes().size();
    auto sizes = data.take_shared_sizes();
    // Kept only for what needs it (a secure sum's weights).
    if (job.privacy.secure_aggregation)
      slot.shard_sizes = sizes;
    else
      slot.shard_sizes.reset();
    slot.ready = true;
    let_model_go(slot);  // a lean node is idle until its first task
    return DataSummary{std::move(sizes), data.test_size};
  } catch (const std::exception& e) {
    // A behaviour's message may already name the node (the model checks do).
    std::string why = e.what();
    if (why.rfind(st.config.name + ": ", 0) == 0) why.erase(0, st.config.name.size() + 2);
    return failure(st.config.name + ": set-up failed: " + why);
  }
}

node_impl::behavior_type node_behavior(NodePtr self, NodeConfig config) {
  self->state.config = std::move(config);
  return {
      [self](setup_atom, const runtime::JobSpec& job) -> caf::result<DataSummary> {
        return set_up(self, job);
      },
      [self](train_atom, const TrainTask& task) {
        // The scheduler that sent the task hears when it begins computing
        // (read before the response promise, which takes the sender over).
        auto boss = caf::actor_cast<scheduler_actor>(self->current_sender());
        auto rp = self->make_response_promise<TrainOutcome>();
        train(self, task, rp, boss);
        return rp;
      },
      [self](eval_atom, const EvalTask& task) {
        auto rp = self->make_response_promise<models::ClassificationMetrics>();
        evaluate(self, task, rp);
        return rp;
      },
      [self](aggregator_atom, const caf::actor& aggregator) {
        self->state.next_aggregator = caf::actor_cast<aggregator_actor>(aggregator);
      },
      [self](leave_atom, std::uint64_t run_id) { leave(self->state, run_id); },
      [self](next_atom) {
        if (auto next = self->state.turns.take()) next->second(next->first);
      },
  };
}

}  // namespace
}  // namespace node

node_actor spawn_node(caf::actor_system& system, NodeConfig config) {
  using node::node_behavior;
  if (config.pooled)
    return caf::actor_cast<node_actor>(system.spawn(node_behavior, std::move(config)));
  return caf::actor_cast<node_actor>(system.spawn<caf::detached>(node_behavior, std::move(config)));
}

}  // namespace troupe::actors
