#include "actors/node_actor.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>

#include "actors/errors.hpp"
#include "actors/secure_participant.hpp"
#include "runtime/dp/local_dp_node_behaviour.hpp"
#include "runtime/node/gated_node_behaviour.hpp"
#include "runtime/node/local_data.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/memory_tuning.hpp"

namespace troupe::actors {
namespace {

/// The empty model a node holds before its first fetch and between tasks of a lean job.
std::shared_ptr<const models::Parameters> no_model() {
  static const auto none = std::make_shared<const models::Parameters>();
  return none;
}

struct NodeState {
  NodeConfig config;
  std::shared_ptr<runtime::DataCatalog> catalog;  ///< the data of the current job
  std::optional<runtime::JobSpec> job;
  std::string behaviour_name;  ///< what `behaviour` was made as
  /// The job's behaviour inside the compute gate, inside the node's misbehaviour.
  std::unique_ptr<runtime::MisbehavingNodeBehaviour> behaviour;
  bool ready = false;      ///< the current job's set-up succeeded
  std::size_t shards = 0;  ///< in the current job's split
  /// Of that split, for a secure sum's weights only (shared with the other nodes of the process).
  std::shared_ptr<const std::vector<std::int64_t>> shard_sizes;
  std::int64_t model_version = -1;  ///< version held in `model`
  /// The global model as the aggregator shared it (in-process nodes hold one
  /// copy between them); never null.
  std::shared_ptr<const models::Parameters> model = no_model();
  models::Parameters update;  ///< reused output buffer of training

  static inline const char* name = "troupe.node";
};

using NodePtr = node_actor::stateful_pointer<NodeState>;

std::chrono::milliseconds timeout_of(const runtime::JobSpec& job) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(job.cluster.task_timeout_s * 1000.0));
}

/// Runs `then` once the node holds global model `version`, fetching it from the
/// aggregator if needed; `fail` gets the error otherwise.
void with_model(NodePtr self, std::int64_t version, std::function<void()> then,
                std::function<void(caf::error)> fail) {
  auto& st = self->state;
  if (st.model_version == version) {
    then();
    return;
  }
  const auto asked = std::chrono::steady_clock::now();
  self->request(st.config.aggregator, timeout_of(*st.job), model_atom::value, version)
      .then(
          [self, then, asked](std::int64_t got, SharedModel& shared) {
            auto& params = shared.params;
            if (!params) params = no_model();
            if (const auto& traffic = self->state.config.traffic) {
              const auto bytes = runtime::wire_size(*params);
              traffic->add_received(bytes);
              traffic->record_transfer(
                  bytes,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
            }
            self->state.model = std::move(params);
            self->state.model_version = got;
            then();
          },
          [fail](caf::error& err) { fail(std::move(err)); });
}

/// Whether the node holds nothing between tasks (NodeSetup::release_between_tasks).
bool lean(const NodeState& st) {
  return st.job && runtime::nodes_are_sampled(*st.job);
}

/// Sends `update` to the aggregator and hands its receipt to `done`, or an
/// error to `fail`. To an aggregator in another process an update of more
/// than config.update_part_bytes goes in parts first (UpdatePart, each sent
/// once the one before was answered), then without its bytes.
void send_update(NodePtr self, std::chrono::milliseconds timeout, ModelUpdate update,
                 std::function<void(runtime::UpdateReceipt&)> done,
                 std::function<void(caf::error)> fail) {
  auto& st = self->state;
  const auto aggregator = st.config.aggregator;
  const auto part_bytes = std::max<std::uint64_t>(1, st.config.update_part_bytes);
  const bool remote = caf::actor_cast<caf::actor_addr>(aggregator).node() != self->node();
  if (!remote || update.params.bytes.size() <= part_bytes) {
    self->request(aggregator, timeout, update_atom::value, std::move(update))
        .then([done](runtime::UpdateReceipt& r) mutable { done(r); },
              [fail](caf::error& err) mutable { fail(std::move(err)); });
    return;
  }
  auto whole = std::make_shared<ModelUpdate>(std::move(update));
  auto next = std::make_shared<std::function<void(std::size_t)>>();
  *next = [self, aggregator, timeout, whole, part_bytes, done, fail,
           weak = std::weak_ptr<std::function<void(std::size_t)>>(next)](std::size_t offset) {
    // Alive: its caller holds it (the first call, or the handler of the part before).
    const auto again = weak.lock();
    auto& bytes = whole->params.bytes;
    if (offset >= bytes.size()) {
      bytes.clear();
      bytes.shrink_to_fit();  // the aggregator holds them now
      self->request(aggregator, timeout, update_atom::value, std::move(*whole))
          .then([done](runtime::UpdateReceipt& r) mutable { done(r); },
                [fail](caf::error& err) mutable { fail(std::move(err)); });
      return;
    }
    const auto n = std::min<std::size_t>(part_bytes, bytes.size() - offset);
    UpdatePart part{
        whole->run_id, whole->task_id, static_cast<std::int64_t>(offset),
        static_cast<std::int64_t>(bytes.size()),
        std::vector<unsigned char>(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                                   bytes.begin() + static_cast<std::ptrdiff_t>(offset + n))};
    self->request(aggregator, timeout, update_part_atom::value, std::move(part))
        .then([again, offset, n](bool) { (*again)(offset + n); },
              [fail](caf::error& err) mutable { fail(std::move(err)); });
  };
  // The chain keeps itself alive through the handler of its pending part.
  (*next)(0);
}

/// A lean node lets the global model go after a task, and its thread's
/// allocator cache too: the next task needs a newer version anyway.
void let_model_go(NodeState& st) {
  if (!lean(st)) return;
  st.model = no_model();
  st.model_version = -1;
  runtime::release_thread_cache();
}

int threads_of(const NodeState& st) {
  return st.config.threads > 0 ? st.config.threads : st.job->compute.threads;
}

std::string device_of(const NodeState& st) {
  return st.config.device.empty() ? st.job->compute.device : st.config.device;
}

/// The weight of a task's update in the secure sum: its shard's examples over
/// the job's mean shard (FedAvg's weights, scaled to about 1 so that weighted
/// changes stay within runtime::kSecureUpdateRange). A node with its own data
/// knows only its own count: its updates weigh 1, as do all under DP.
double secure_weight(const NodeState& st, std::int32_t shard) {
  // Under local or distributed DP every noised update counts alike: the
  // accountant's sensitivity is one clipped update (runtime/core/privacy_plan.hpp).
  if (st.job->privacy.enabled() || st.config.local || !st.shard_sizes || st.shard_sizes->empty())
    return 1.0;
  const auto& sizes = *st.shard_sizes;
  const double mean =
      std::accumulate(sizes.begin(), sizes.end(), 0.0) / static_cast<double>(sizes.size());
  return mean > 0.0 ? static_cast<double>(sizes[static_cast<std::size_t>(shard)]) / mean : 1.0;
}

node_actor::behavior_type node_behavior(NodePtr self, NodeConfig config) {
  self->state.config = std::move(config);
  return {
      [self](setup_atom, const runtime::JobSpec& job) -> caf::result<DataSummary> {
        auto& st = self->state;
        st.ready = false;
        try {
          const auto& placement = st.config.placement;
          if (placement.shard >= 0 && placement.shards != job.nodes)
            return failure(st.config.name + ": holds shard " + std::to_string(placement.shard) +
                           "/" + std::to_string(placement.shards) +
                           " but the job splits the data into " + std::to_string(job.nodes) +
                           " shards");
          if (st.config.local)
            if (auto why = runtime::local_data_problem(st.config.name, placement.source,
                                                       *st.config.local, job);
                !why.empty())
              return failure(why);
          st.job = job;
          if (st.config.data) {
            st.catalog = st.config.data;
          } else {
            const auto dir = st.config.data_dir.empty() ? job.data.data_dir : st.config.data_dir;
            if (!st.catalog || st.catalog->dir() != dir ||
                st.catalog->train_limit() != job.data.train_limit ||
                st.catalog->test_limit() != job.data.test_limit)
              // This node's alone: it reads the shards it trains, not the whole set.
              st.catalog = std::make_shared<runtime::DataCatalog>(
                  dir, job.data.train_limit, job.data.test_limit, runtime::Holding::shards);
          }
          const auto& name =
              st.config.behaviour.empty() ? job.cluster.node_behaviour : st.config.behaviour;
          if (!st.behaviour || st.behaviour_name != name) {
            st.behaviour.reset();
            st.behaviour = std::make_unique<runtime::MisbehavingNodeBehaviour>(
                std::make_unique<runtime::GatedNodeBehaviour>(
                    std::make_unique<runtime::LocalDpNodeBehaviour>(
                        runtime::make_node_behaviour(name)),
                    st.config.gate),
                st.config.misbehaviour);
            st.behaviour_name = name;
          }
          runtime::NodeSetup setup;
          setup.node = st.config.name;
          setup.job = job;
          setup.data = st.catalog;
          setup.local = st.config.local;
          setup.device = {device_of(st), threads_of(st)};
          // Not for nodes that merely share workers: with every one of 1,000
          // pooled nodes training each round, making trainers again took
          // round times from 0.75 s to 1.38 s for 1.98 -> 1.32 MiB per node
          // (bench/collaboration/experiments.py scale).
          setup.release_between_tasks = runtime::nodes_are_sampled(job);
          setup.trainers = st.config.trainers;
          auto data = st.behaviour->setup(setup);
          // A node with its own data holds one shard, whatever the job's --nodes.
          if (!st.config.local && data.sizes().size() != static_cast<std::size_t>(job.nodes))
            return failure(st.config.name + ": node behaviour '" + name + "' reported " +
                           std::to_string(data.sizes().size()) + " shards, the job has " +
                           std::to_string(job.nodes));
          st.model_version = -1;
          st.shards = data.sizes().size();
          auto sizes = data.take_shared_sizes();
          // Kept only for what needs it (a secure sum's weights).
          if (job.privacy.secure_aggregation)
            st.shard_sizes = sizes;
          else
            st.shard_sizes.reset();
          st.ready = true;
          let_model_go(st);  // a lean node is idle until its first task
          return DataSummary{std::move(sizes), data.test_size};
        } catch (const std::exception& e) {
          // A behaviour's message may already name the node (the model checks do).
          std::string why = e.what();
          if (why.rfind(st.config.name + ": ", 0) == 0) why.erase(0, st.config.name.size() + 2);
          return failure(st.config.name + ": set-up failed: " + why);
        }
      },
      [self](train_atom, const TrainTask& task) {
        // The scheduler that sent the task hears when it begins computing
        // (read before the response promise, which takes the sender over).
        auto boss = caf::actor_cast<scheduler_actor>(self->current_sender());
        auto rp = self->make_response_promise<TrainOutcome>();
        auto& st = self->state;
        if (!st.ready) {
          rp.deliver(failure(st.config.name + ": train task before set-up"));
          return rp;
        }
        if (!st.config.aggregator) {
          rp.deliver(failure(st.config.name + ": no aggregator known yet"));
          return rp;
        }
        if (st.config.placement.shard >= 0 && task.shard != st.config.placement.shard) {
          rp.deliver(
              failure(st.config.name + ": does not hold shard " + std::to_string(task.shard)));
          return rp;
        }
        // Local data: the scheduler numbers the node's one shard (any index).
        if (task.shard < 0 ||
            (!st.config.local && static_cast<std::size_t>(task.shard) >= st.shards)) {
          rp.deliver(failure(st.config.name + ": shard " + std::to_string(task.shard) +
                             " does not exist"));
          return rp;
        }
        if (st.behaviour->drops(task.task_id)) {
          TrainOutcome dropped;
          dropped.task_id = task.task_id;
          dropped.node = st.config.name;
          dropped.dropped = true;
          dropped.receipt.reason = "node dropped out (simulated)";
          rp.deliver(dropped);
          return rp;
        }
        auto fail = [rp](caf::error err) mutable { rp.deliver(std::move(err)); };
        with_model(
            self, task.base_version,
            [self, task, rp, fail, boss]() mutable {
              auto& st = self->state;
              const auto& job = *st.job;
              runtime::LocalTask local{task.round, task.shard, job.train.options(task.seed), {}};
              local.computing = [self, boss, task] {
                if (boss) self->send(boss, computing_atom::value, task.run_id, task.task_id);
              };
              models::TrainResult result;
              try {
                result = st.behaviour->train(*st.model, local, st.update);
                if (!st.update.same_layout(*st.model))
                  throw std::runtime_error("node behaviour '" + st.behaviour_name +
                                           "' returned parameters of another layout");
              } catch (const std::exception& e) {
                fail(failure(st.config.name + ": training failed: " + e.what()));
                return;
              }
              ModelUpdate update;
              update.task_id = task.task_id;
              update.round = task.round;
              update.node = st.config.name;
              update.base_version = task.base_version;
              update.run_id = task.run_id;
              update.samples = result.samples;
              update.loss = result.mean_loss;
              update.shard = task.shard;
              update.seed = task.seed;
              update.attack = st.behaviour->attack_label();
              update.score = std::exp(-result.mean_loss);
              TrainOutcome outcome;
              outcome.task_id = task.task_id;
              outcome.node = st.config.name;
              outcome.samples = result.samples;
              outcome.samples_seen = result.samples_seen;
              outcome.mean_loss = result.mean_loss;
              outcome.compute_s = result.seconds;
              if (job.privacy.secure_aggregation) {
                // The update stays here and joins the round's secure sum; the
                // scheduler goes on as if it had been accepted.
                outcome.receipt.accepted = true;
                outcome.receipt.version = task.base_version;
                outcome.receipt.reason = job.collab.mode == runtime::Mode::buffered
                                             ? "held for a secure buffer"
                                             : "held for the round's secure sum";
                // Buffered: the cohort is the buffer it joins (answered
                // when the buffer's cohort closes); sync: the round.
                SecureContribution part;
                part.run_id = task.run_id;
                part.task_id = task.task_id;
                part.cohort = job.collab.mode == runtime::Mode::buffered ? 0 : task.round;
                part.trained = std::move(st.update);
                part.base = *st.model;
                part.base_version = task.base_version;
                part.weight = secure_weight(st, task.shard);
                let_model_go(st);
                rp.deliver(outcome);
                spawn_secure_participant(
                    self,
                    {st.config.name, st.config.aggregator, job.cluster.task_timeout_s,
                     st.config.secure_vanish_after, st.config.secure_pause_before_masking_s,
                     st.config.traffic},
                    std::move(part));
                return;
              }
              update.params =
                  std::move(st.update);  // the message owns it now; the next task refills st.update
              if (st.config.traffic) st.config.traffic->add_sent(runtime::wire_size(update.params));
              let_model_go(st);
              send_update(
                  self, timeout_of(job), std::move(update),
                  [rp, outcome](runtime::UpdateReceipt& receipt) mutable {
                    outcome.receipt = std::move(receipt);
                    rp.deliver(outcome);
                  },
                  fail);
            },
            fail);
        return rp;
      },
      [self](eval_atom, const EvalTask& task) {
        auto rp = self->make_response_promise<models::ClassificationMetrics>();
        auto& st = self->state;
        if (!st.config.aggregator) {
          rp.deliver(failure(st.config.name + ": no aggregator known yet"));
          return rp;
        }
        if (!st.ready) {
          rp.deliver(failure(st.config.name + ": evaluation task before set-up"));
          return rp;
        }
        auto fail = [rp](caf::error err) mutable { rp.deliver(std::move(err)); };
        with_model(
            self, task.version,
            [self, rp, fail, held_out = task.held_out]() mutable {
              auto& st = self->state;
              try {
                rp.deliver(held_out ? st.behaviour->evaluate_held_out(*st.model)
                                    : st.behaviour->evaluate(*st.model));
                let_model_go(st);
              } catch (const std::exception& e) {
                fail(failure(st.config.name + ": evaluation failed: " + e.what()));
              }
            },
            fail);
        return rp;
      },
      [self](aggregator_atom, const caf::actor& aggregator) {
        auto& st = self->state;
        st.config.aggregator = caf::actor_cast<aggregator_actor>(aggregator);
        st.model_version = -1;  // a new aggregator numbers versions afresh
      },
  };
}

}  // namespace

node_actor spawn_node(caf::actor_system& system, NodeConfig config) {
  if (config.pooled) return system.spawn(node_behavior, std::move(config));
  return system.spawn<caf::detached>(node_behavior, std::move(config));
}

}  // namespace troupe::actors
