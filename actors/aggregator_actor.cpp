#include "actors/aggregator_actor.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "actors/errors.hpp"
#include "models/model_kind.hpp"
#include "models/trainer.hpp"
#include "runtime/strategy.hpp"

namespace troupe::actors {
namespace {

/// Versions kept for nodes that are still fetching an older one.
constexpr std::size_t kVersionsKept = 3;

struct AggregatorState {
  AggregatorConfig config;
  std::unique_ptr<runtime::AggregationStrategy> strategy;
  std::map<std::int64_t, std::shared_ptr<const models::Parameters>> versions;
  std::int64_t version = -1;
  std::int32_t collecting_round = 0;
  std::size_t max_pending_per_node = 1;                   ///< effective limit for the job in hand
  std::map<std::int64_t, runtime::ClientUpdate> updates;  ///< this round's, by task id

  static inline const char* name = "troupe.aggregator";
};

using AggregatorPtr = aggregator_actor::stateful_pointer<AggregatorState>;

void publish(AggregatorState& st, std::int64_t version, models::Parameters params) {
  st.version = version;
  st.versions[version] = std::make_shared<const models::Parameters>(std::move(params));
  while (st.versions.size() > kVersionsKept) st.versions.erase(st.versions.begin());
}

aggregator_actor::behavior_type aggregator_behavior(AggregatorPtr self, AggregatorConfig config) {
  self->state.config = std::move(config);
  return {
      [self](setup_atom, const runtime::JobSpec& job) -> caf::result<std::int64_t> {
        auto& st = self->state;
        try {
          st.strategy = runtime::make_strategy(st.config.strategy);
          const auto kind = models::parse_model_kind(job.model);
          if (!kind) return failure("unknown model '" + job.model + "'");
          st.versions.clear();
          st.updates.clear();
          st.collecting_round = 1;
          st.max_pending_per_node = st.config.limits.max_pending_per_node > 0
                                        ? st.config.limits.max_pending_per_node
                                        : static_cast<std::size_t>(std::max(1, job.nodes));
          publish(st, 0, models::initial_parameters(*kind, job.seed));
          return st.version;
        } catch (const std::exception& e) {
          return failure(std::string("aggregator set-up failed: ") + e.what());
        }
      },
      [self](model_atom, std::int64_t version) -> caf::result<std::int64_t, models::Parameters> {
        auto& st = self->state;
        auto it = st.versions.find(version);
        if (it == st.versions.end())
          return failure("model version " + std::to_string(version) + " is not held (current " +
                         std::to_string(st.version) + ")");
        return {version, *it->second};
      },
      [self](update_atom, ModelUpdate& update) -> caf::result<std::int64_t> {
        auto& st = self->state;
        if (update.round != st.collecting_round)
          return failure("update of task " + std::to_string(update.task_id) + " is for round " +
                         std::to_string(update.round) + ", collecting round " +
                         std::to_string(st.collecting_round));
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
        u.params = std::make_shared<const models::Parameters>(std::move(update.params));
        st.updates.emplace(u.task_id, std::move(u));
        return update.task_id;
      },
      [self](aggregate_atom, const AggregateRequest& req) -> caf::result<AggregateOutcome> {
        auto& st = self->state;
        if (req.round != st.collecting_round)
          return failure("aggregate for round " + std::to_string(req.round) +
                         " while collecting round " + std::to_string(st.collecting_round));
        // Only the updates the scheduler accepted count, in task-id order.
        std::vector<std::int64_t> ids = req.task_ids;
        std::sort(ids.begin(), ids.end());
        std::vector<runtime::ClientUpdate> updates;
        for (auto id : ids) {
          auto it = st.updates.find(id);
          if (it != st.updates.end()) updates.push_back(std::move(it->second));
        }
        st.updates.clear();
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
