#include "actors/node_actor.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <thread>

#include "actors/errors.hpp"
#include "runtime/dp/local_dp_node_behaviour.hpp"
#include "runtime/node/gated_node_behaviour.hpp"
#include "runtime/node/local_data.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/secure/secure_round.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {
namespace {

namespace logging = runtime::logging;
namespace secagg = runtime::secagg;

/// A trained task's part in its round's secure sum: the update stays here
/// until it leaves masked.
struct SecureTask {
  std::int64_t cohort = 0;
  secagg::Client client;
  models::Parameters trained;
  models::Parameters base;
  double weight = 1.0;
  std::vector<std::uint64_t> input;  ///< the encoded update, once the roster's size is known
};

struct NodeState {
  NodeConfig config;
  std::shared_ptr<runtime::DataCatalog> catalog;  ///< the data of the current job
  std::optional<runtime::JobSpec> job;
  std::string behaviour_name;  ///< what `behaviour` was made as
  /// The job's behaviour inside the compute gate, inside the node's misbehaviour.
  std::unique_ptr<runtime::MisbehavingNodeBehaviour> behaviour;
  bool ready = false;                     ///< the current job's set-up succeeded
  std::vector<std::int64_t> shard_sizes;  ///< of the current job's split
  std::int64_t model_version = -1;        ///< version held in `model`
  models::Parameters model;
  models::Parameters update;                  ///< reused output buffer of training
  std::map<std::int64_t, SecureTask> secure;  ///< by task id

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
          [self, then, asked](std::int64_t got, models::Parameters& params) {
            if (const auto& traffic = self->state.config.traffic) {
              const auto bytes = runtime::wire_size(params);
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
  if (st.job->privacy.enabled() || st.config.local || st.shard_sizes.empty()) return 1.0;
  const double mean = std::accumulate(st.shard_sizes.begin(), st.shard_sizes.end(), 0.0) /
                      static_cast<double>(st.shard_sizes.size());
  return mean > 0.0 ? static_cast<double>(st.shard_sizes[static_cast<std::size_t>(shard)]) / mean
                    : 1.0;
}

void secure_step(NodePtr self, std::int64_t task, runtime::SecureStage stage,
                 secagg::Bytes payload);

/// The aggregator answered this task's message of `stage` with the next
/// stage's input: computes and sends the next message.
void secure_next(NodePtr self, std::int64_t task, runtime::SecureStage stage,
                 SecAggMessage& reply) {
  auto& st = self->state;
  auto it = st.secure.find(task);
  if (it == st.secure.end()) return;
  auto& t = it->second;
  if (st.config.secure_vanish_after == static_cast<int>(stage)) {
    logging::Line(logging::Level::info) << "troupe node " << st.config.name << ": task " << task
                                        << " leaves its secure sum after stage " << reply.stage;
    st.secure.erase(it);
    return;
  }
  try {
    switch (stage) {
      case runtime::SecureStage::advertise:
        t.input = secagg::encode_update(t.trained, t.base, t.weight,
                                        runtime::secure_code(reply.participants));
        t.trained = {};
        t.base = {};
        secure_step(self, task, runtime::SecureStage::share, t.client.share(reply.payload));
        break;
      case runtime::SecureStage::share: {
        if (st.config.secure_pause_before_masking_s > 0.0) {
          logging::Line(logging::Level::info)
              << "troupe node " << st.config.name << ": task " << task << " pauses "
              << st.config.secure_pause_before_masking_s << " s before masking";
          std::this_thread::sleep_for(
              std::chrono::duration<double>(st.config.secure_pause_before_masking_s));
        }
        auto masked = t.client.mask(reply.payload, t.input);
        t.input = {};
        secure_step(self, task, runtime::SecureStage::masked, std::move(masked));
        break;
      }
      case runtime::SecureStage::masked:
        secure_step(self, task, runtime::SecureStage::unmask, t.client.unmask(reply.payload));
        break;
      case runtime::SecureStage::unmask:
        st.secure.erase(it);
        break;
    }
  } catch (const std::exception& e) {
    logging::Line(logging::Level::warn) << "troupe node " << st.config.name << ": task " << task
                                        << " leaves its secure sum: " << e.what();
    st.secure.erase(task);
  }
}

/// Sends this task's message of `stage`; the answer comes when the stage closes.
void secure_step(NodePtr self, std::int64_t task, runtime::SecureStage stage,
                 secagg::Bytes payload) {
  auto& st = self->state;
  const auto& t = st.secure.at(task);
  if (st.config.traffic) st.config.traffic->add_sent(payload.size());
  SecAggMessage msg{st.job->run_id,    t.cohort, task, static_cast<std::int32_t>(stage), 0,
                    std::move(payload)};
  // The answer to an advertisement waits for the round's other training.
  self->request(st.config.aggregator, timeout_of(*st.job) * 2, secagg_atom::value, std::move(msg))
      .then(
          [self, task, stage](SecAggMessage& reply) {
            if (const auto& traffic = self->state.config.traffic)
              traffic->add_received(reply.payload.size());
            secure_next(self, task, stage, reply);
          },
          [self, task](caf::error& err) {
            auto& st = self->state;
            logging::Line(logging::Level::warn)
                << "troupe node " << st.config.name << ": task " << task
                << " left its secure sum: " << describe(err, self->system());
            st.secure.erase(task);
          });
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
              st.catalog = std::make_shared<runtime::DataCatalog>(dir, job.data.train_limit,
                                                                  job.data.test_limit);
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
          auto data = st.behaviour->setup(setup);
          // A node with its own data holds one shard, whatever the job's --nodes.
          if (!st.config.local && data.shard_sizes.size() != static_cast<std::size_t>(job.nodes))
            return failure(st.config.name + ": node behaviour '" + name + "' reported " +
                           std::to_string(data.shard_sizes.size()) + " shards, the job has " +
                           std::to_string(job.nodes));
          st.model_version = -1;
          st.shard_sizes = data.shard_sizes;
          st.ready = true;
          return DataSummary{std::move(data.shard_sizes), data.test_size};
        } catch (const std::exception& e) {
          // A behaviour's message may already name the node (the model checks do).
          std::string why = e.what();
          if (why.rfind(st.config.name + ": ", 0) == 0) why.erase(0, st.config.name.size() + 2);
          return failure(st.config.name + ": set-up failed: " + why);
        }
      },
      [self](train_atom, const TrainTask& task) {
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
            (!st.config.local && static_cast<std::size_t>(task.shard) >= st.shard_sizes.size())) {
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
            [self, task, rp, fail]() mutable {
              auto& st = self->state;
              const auto& job = *st.job;
              const runtime::LocalTask local{task.round, task.shard, job.train.options(task.seed)};
              models::TrainResult result;
              try {
                result = st.behaviour->train(st.model, local, st.update);
                if (!st.update.same_layout(st.model))
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
                outcome.receipt.reason = "held for the round's secure sum";
                SecureTask secure{
                    task.round,
                    secagg::Client(runtime::secure_cohort_tag(task.run_id, task.round),
                                   task.task_id),
                    std::move(st.update),
                    st.model,
                    secure_weight(st, task.shard),
                    {}};
                st.secure.erase(task.task_id);
                auto& t = st.secure.emplace(task.task_id, std::move(secure)).first->second;
                rp.deliver(outcome);
                secure_step(self, task.task_id, runtime::SecureStage::advertise,
                            t.client.advertise());
                return;
              }
              update.params =
                  std::move(st.update);  // the message owns it now; the next task refills st.update
              if (st.config.traffic) st.config.traffic->add_sent(runtime::wire_size(update.params));
              self->request(st.config.aggregator, timeout_of(job), update_atom::value,
                            std::move(update))
                  .then(
                      [rp, outcome](runtime::UpdateReceipt& receipt) mutable {
                        outcome.receipt = std::move(receipt);
                        rp.deliver(outcome);
                      },
                      [fail](caf::error& err) mutable { fail(std::move(err)); });
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
                rp.deliver(held_out ? st.behaviour->evaluate_held_out(st.model)
                                    : st.behaviour->evaluate(st.model));
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
  return system.spawn<caf::detached>(node_behavior, std::move(config));
}

}  // namespace troupe::actors
