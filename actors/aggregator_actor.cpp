#include "actors/aggregator_actor.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "models/model_kind.hpp"
#include "models/trainer.hpp"
#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/aggregation/strategy.hpp"
#include "runtime/io/checkpoint.hpp"
#include "runtime/io/job_json.hpp"
#include "runtime/node/node_behaviour.hpp"

namespace troupe::actors {
namespace {

/// Versions kept in sync mode for nodes that are still fetching an older one.
constexpr std::size_t kVersionsKept = 3;

struct AggregatorState {
  AggregatorConfig config;
  runtime::JobSpec job;
  // Synchronous rounds.
  std::unique_ptr<runtime::AggregationStrategy> strategy;
  std::map<std::int64_t, std::shared_ptr<const models::Parameters>> versions;
  std::int64_t version = -1;
  std::int32_t collecting_round = 0;
  std::size_t max_pending_per_node = 1;                   ///< effective limit for the job in hand
  std::map<std::int64_t, runtime::ClientUpdate> updates;  ///< this round's, by task id
  std::map<std::int64_t, std::int32_t> shards;            ///< shard of each of those updates
  // Asynchronous modes.
  std::unique_ptr<runtime::AsyncAggregator> async;
  std::unique_ptr<std::ofstream> event_log;

  bool is_async() const { return static_cast<bool>(async); }

  static inline const char* name = "troupe.aggregator";
};

using AggregatorPtr = aggregator_actor::stateful_pointer<AggregatorState>;

void publish(AggregatorState& st, std::int64_t version, models::Parameters params) {
  st.version = version;
  st.versions[version] = std::make_shared<const models::Parameters>(std::move(params));
  while (st.versions.size() > kVersionsKept) st.versions.erase(st.versions.begin());
}

/// The same job, ignoring where it checkpoints and whether it is resumed.
bool same_job(runtime::JobSpec a, runtime::JobSpec b) {
  for (auto* j : {&a, &b}) {
    j->checkpoint.dir.clear();
    j->checkpoint.resume.clear();
    j->name.clear();
  }
  return runtime::job_to_json(a) == runtime::job_to_json(b);
}

std::string not_held(std::int64_t version, std::int64_t current) {
  return "model version " + std::to_string(version) + " is not held (current " +
         std::to_string(current) + ")";
}

caf::result<runtime::UpdateReceipt> add_async(AggregatorState& st, ModelUpdate& update) {
  runtime::AsyncUpdate u;
  u.task_id = update.task_id;
  u.node = update.node;
  u.shard = update.shard;
  u.seed = update.seed;
  u.base_version = update.base_version;
  u.samples = update.samples;
  u.attack = update.attack;
  u.params = &update.params;
  runtime::AsyncEvent e;
  try {
    e = st.async->add(u);
  } catch (const std::exception& ex) {
    return failure(std::string("aggregation failed: ") + ex.what());
  }
  if (st.event_log) {
    *st.event_log << runtime::event_to_json_line(e) << '\n';
    st.event_log->flush();
  }
  runtime::UpdateReceipt r;
  r.accepted = e.accepted;
  r.reason = e.reason;
  r.version = e.version;
  r.new_version = e.new_version;
  r.staleness = e.staleness;
  r.fingerprint = e.fingerprint;
  return r;
}

aggregator_actor::behavior_type aggregator_behavior(AggregatorPtr self, AggregatorConfig config) {
  self->state.config = std::move(config);
  return {
      [self](setup_atom, const runtime::JobSpec& job) -> caf::result<std::int64_t> {
        auto& st = self->state;
        try {
          st.job = job;
          st.versions.clear();
          st.updates.clear();
          st.async.reset();
          st.event_log.reset();
          st.strategy.reset();
          st.collecting_round = 1;
          st.max_pending_per_node = st.config.limits.max_pending_per_node > 0
                                        ? st.config.limits.max_pending_per_node
                                        : static_cast<std::size_t>(std::max(1, job.nodes));
          // The job's node behaviour says what is shared: usually the initialised model.
          auto initial = runtime::initial_global_model(job);
          if (job.collab.mode == runtime::Mode::sync) {
            const auto& name =
                st.config.strategy.empty() ? job.collab.strategy : st.config.strategy;
            st.strategy = runtime::make_strategy(name, job.collab.strategy_options);
            if (!job.checkpoint.resume.empty()) {
              // Continue from the checkpoint: its model, version, strategy state and round.
              auto cp = runtime::read_checkpoint(job.checkpoint.resume);
              if (!same_job(cp.job, job))
                return failure("the checkpoint in " + job.checkpoint.resume + " is of another job");
              if (!cp.model.same_layout(initial))
                return failure("the checkpoint's model does not fit model '" +
                               runtime::to_string(job.train.model) + "'");
              st.strategy->load_state(cp.strategy_state);
              st.collecting_round = cp.round + 1;
              publish(st, cp.version, std::move(cp.model));
              caf::aout(self) << "troupe aggregator: resumed after round " << cp.round
                              << " at version " << cp.version << std::endl;
              return st.version;
            }
            publish(st, 0, std::move(initial));
            return st.version;
          }
          st.async = std::make_unique<runtime::AsyncAggregator>(
              runtime::AsyncOptions::from_job(job), std::move(initial));
          if (!job.async.event_log.empty()) {
            st.event_log = std::make_unique<std::ofstream>(job.async.event_log, std::ios::trunc);
            if (!*st.event_log) return failure("cannot write the event log " + job.async.event_log);
            *st.event_log << nlohmann::json{{"job", runtime::job_to_json(job)}}.dump() << '\n';
            st.event_log->flush();
          }
          return std::int64_t{0};
        } catch (const std::exception& e) {
          return failure(std::string("aggregator set-up failed: ") + e.what());
        }
      },
      [self](model_atom, std::int64_t version) -> caf::result<std::int64_t, models::Parameters> {
        auto& st = self->state;
        if (st.is_async()) {
          auto p = st.async->get(version);
          if (!p) return failure(not_held(version, st.async->version()));
          return {version, *p};
        }
        auto it = st.versions.find(version);
        if (it == st.versions.end()) return failure(not_held(version, st.version));
        return {version, *it->second};
      },
      [self](update_atom, ModelUpdate& update) -> caf::result<runtime::UpdateReceipt> {
        auto& st = self->state;
        if (st.is_async()) {
          // Layout, finiteness and size limits; staleness is the async core's to judge.
          auto why = runtime::validate_update(st.async->current(), update.params, st.config.limits);
          if (!why.empty()) {
            why = "update of task " + std::to_string(update.task_id) + " rejected: " + why;
            caf::aout(self) << "troupe aggregator: " << why << std::endl;
            return failure(why);
          }
          return add_async(st, update);
        }
        runtime::UpdateReceipt receipt;
        receipt.version = st.version;
        if (update.round > st.collecting_round)
          return failure("update of task " + std::to_string(update.task_id) + " is for round " +
                         std::to_string(update.round) + ", collecting round " +
                         std::to_string(st.collecting_round));
        if (update.round < st.collecting_round) {
          // The round closed without it: a late update, acknowledged and not used.
          receipt.accepted = false;
          receipt.reason = "late: round " + std::to_string(update.round) +
                           " was aggregated (collecting round " +
                           std::to_string(st.collecting_round) + ")";
          return receipt;
        }
        if (st.updates.count(update.task_id))
          return failure("duplicate update for task " + std::to_string(update.task_id));
        const auto pending =
            std::count_if(st.updates.begin(), st.updates.end(),
                          [&](const auto& u) { return u.second.node == update.node; });
        auto why = !st.versions.count(update.base_version)
                       ? "base version " + std::to_string(update.base_version) + " is not held"
                   : static_cast<std::size_t>(pending) >= st.max_pending_per_node
                       ? "node " + update.node + " already has " + std::to_string(pending) +
                             " updates pending"
                       : runtime::validate_update(*st.versions.at(st.version), update.params,
                                                  st.config.limits);
        if (!why.empty()) {
          why = "update of task " + std::to_string(update.task_id) + " rejected: " + why;
          caf::aout(self) << "troupe aggregator: " << why << std::endl;
          return failure(why);
        }
        runtime::ClientUpdate u;
        u.task_id = update.task_id;
        u.node = update.node;
        u.samples = update.samples;
        u.loss = update.mean_loss;
        u.base_version = update.base_version;
        u.score = update.score;
        u.params = std::make_shared<const models::Parameters>(std::move(update.params));
        st.shards[u.task_id] = update.shard;
        st.updates.emplace(u.task_id, std::move(u));
        receipt.accepted = true;
        receipt.staleness = st.version - update.base_version;
        return receipt;
      },
      [self](checkpoint_atom, const CheckpointRequest& req) -> caf::result<std::string> {
        auto& st = self->state;
        if (st.is_async() || !st.strategy) return failure("checkpoints need a sync job");
        if (st.job.checkpoint.dir.empty()) return failure("the job has no --checkpoint-dir");
        if (req.round != st.collecting_round - 1)
          return failure("checkpoint after round " + std::to_string(req.round) +
                         " while collecting round " + std::to_string(st.collecting_round));
        runtime::Checkpoint cp;
        cp.job = st.job;
        cp.mode = st.job.collab.mode;
        cp.model = *st.versions.at(st.version);
        cp.version = st.version;
        cp.round = req.round;
        cp.strategy_state = st.strategy->state();
        cp.rounds = req.rounds;
        try {
          runtime::write_checkpoint(st.job.checkpoint.dir, cp);
        } catch (const std::exception& e) {
          return failure(std::string("checkpoint failed: ") + e.what());
        }
        return runtime::checkpoint_path(st.job.checkpoint.dir);
      },
      [self](aggregate_atom, const AggregateRequest& req) -> caf::result<AggregateOutcome> {
        auto& st = self->state;
        if (st.is_async()) {
          // The end of an asynchronous job: apply what is buffered.
          auto e = st.async->flush();
          if (st.event_log) {
            *st.event_log << runtime::event_to_json_line(e) << '\n';
            st.event_log->flush();
          }
          AggregateOutcome out;
          out.version = e.version;
          out.changed = e.new_version;
          out.fingerprint = e.fingerprint;
          return out;
        }
        if (req.round != st.collecting_round)
          return failure("aggregate for round " + std::to_string(req.round) +
                         " while collecting round " + std::to_string(st.collecting_round));
        // Only the updates the scheduler accepted count, in task-id order.
        // In shard order (then task id), so a shard re-run elsewhere after a
        // failure adds up in the same order as in an undisturbed run.
        std::vector<std::int64_t> ids = req.task_ids;
        auto shard_of = [&](std::int64_t id) {
          auto it = st.shards.find(id);
          return it == st.shards.end() ? -1 : it->second;
        };
        std::sort(ids.begin(), ids.end(), [&](std::int64_t a, std::int64_t b) {
          return std::make_pair(shard_of(a), a) < std::make_pair(shard_of(b), b);
        });
        std::vector<runtime::ClientUpdate> updates;
        for (auto id : ids) {
          auto it = st.updates.find(id);
          if (it != st.updates.end()) updates.push_back(std::move(it->second));
        }
        st.updates.clear();
        st.shards.clear();
        ++st.collecting_round;
        AggregateOutcome out;
        out.updates = static_cast<std::int32_t>(updates.size());
        try {
          auto next = st.strategy->aggregate(*st.versions.at(st.version), updates, {});
          if (next) {
            publish(st, st.version + 1, std::move(*next));
            out.changed = true;
          }
        } catch (const std::exception& e) {
          return failure(std::string("aggregation failed: ") + e.what());
        }
        out.version = st.version;
        out.fingerprint = models::fingerprint(*st.versions.at(st.version));
        return out;
      },
  };
}

}  // namespace

aggregator_actor spawn_aggregator(caf::actor_system& system, AggregatorConfig config) {
  return system.spawn<caf::detached>(aggregator_behavior, std::move(config));
}

}  // namespace troupe::actors
