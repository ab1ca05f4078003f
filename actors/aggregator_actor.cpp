#include "actors/aggregator_actor.hpp"

#include <memory>

#include "actors/errors.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {

namespace logging = runtime::logging;
using logging::Level;
namespace {

struct AggregatorState {
  AggregatorConfig config;
  runtime::JobSpec job;
  std::unique_ptr<runtime::AggregatorCore> core;

  static inline const char* name = "troupe.aggregator";
};

using AggregatorPtr = aggregator_actor::stateful_pointer<AggregatorState>;

aggregator_actor::behavior_type aggregator_behavior(AggregatorPtr self, AggregatorConfig config) {
  self->state.config = std::move(config);
  return {
      [self](setup_atom, const runtime::JobSpec& job) -> caf::result<std::int64_t> {
        auto& st = self->state;
        st.core.reset();
        try {
          auto opened = runtime::open_aggregator(job, st.config);
          st.job = job;
          st.core = std::move(opened.core);
          if (opened.resumed_after)
            logging::Line(Level::info)
                << "troupe aggregator: resumed after round " << *opened.resumed_after
                << " at version " << st.core->version();
          return st.core->version();
        } catch (const runtime::SetupRefused& e) {
          return make_error(troupe_error::job_refused, e.what());
        } catch (const std::exception& e) {
          return failure(e.what());
        }
      },
      [self](model_atom, std::int64_t version) -> caf::result<std::int64_t, models::Parameters> {
        auto& st = self->state;
        auto p = st.core ? st.core->get(version) : nullptr;
        if (!p)
          return failure("model version " + std::to_string(version) + " is not held (current " +
                         std::to_string(st.core ? st.core->version() : -1) + ")");
        return {version, *p};
      },
      [self](update_atom, ModelUpdate& update) -> caf::result<runtime::UpdateReceipt> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        // A late update of an earlier job (cancelled or failed with tasks in
        // flight): its task ids and round may match the job in hand.
        if (update.run_id != st.job.run_id)
          return failure("update of task " + std::to_string(update.task_id) +
                         " belongs to an earlier job");
        auto verdict = st.core->accept(std::move(update));
        if (!verdict.refused()) return verdict.receipt;
        if (verdict.refusal == runtime::Refusal::invalid)
          logging::Line(Level::warn) << "troupe aggregator: " << verdict.reason;
        return failure(verdict.reason);
      },
      [self](checkpoint_atom, const CheckpointRequest& req) -> caf::result<std::string> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        try {
          return runtime::write_aggregator_checkpoint(*st.core, st.job, req.round, req.rounds,
                                                      {req.core_state, req.in_flight});
        } catch (const std::exception& e) {
          // Logged here too: this host's disk is the one to look at.
          logging::Line(Level::warn)
              << "troupe aggregator: no checkpoint after round " << req.round << ": " << e.what();
          return failure(e.what());
        }
      },
      [self](holdings_atom, const DataSummary& data) -> caf::result<bool> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        st.core->set_holdings(data.shard_sizes);
        return true;
      },
      [self](aggregate_atom, const AggregateRequest& req) -> caf::result<AggregateOutcome> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        try {
          return st.core->aggregate(req);
        } catch (const std::exception& e) {
          return failure(e.what());
        }
      },
  };
}

}  // namespace

aggregator_actor spawn_aggregator(caf::actor_system& system, AggregatorConfig config) {
  return system.spawn<caf::detached>(aggregator_behavior, std::move(config));
}

}  // namespace troupe::actors
