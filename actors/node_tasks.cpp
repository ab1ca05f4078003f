// The built-in node's tasks: training and evaluation on a job's slot, in
// the node's turn of compute (actors/node_state.hpp).

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "actors/errors.hpp"
#include "actors/model_fetcher.hpp"
#include "actors/node_state.hpp"
#include "actors/secure_participant.hpp"
#include "actors/update_courier.hpp"
#include "net/shared_block.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors::node {
namespace {

/// Runs `then` with global model `version` of run `run_id` once the node
/// holds it, fetching it from the job's aggregator if needed (the slot keeps
/// it for the next task); `fail` gets the error otherwise. Not in a turn: a
/// job whose aggregator is slow to answer holds up no other job's tasks.
/// From an aggregator in another process a large model comes over the data
/// plane (actors/model_fetcher.hpp), or in a message when that fails.
/// On this host it comes in a shared block unless `may_share` is false (a
/// block just failed).
void with_model(NodePtr self, std::uint64_t run_id, std::int64_t version,
                std::function<void(std::shared_ptr<const models::Parameters>)> then,
                std::function<void(caf::error)> fail, bool may_share = true) {
  auto* slot = slot_of(self->state, run_id);
  if (!slot || !slot->ready) {
    fail(failure(self->state.config.name + ": the job left this node"));
    return;
  }
  if (slot->model_version == version) {
    then(slot->model);
    return;
  }
  // The old version goes before the new one comes (a task still holding it
  // keeps it alive): two versions at once were one model copy more at the peak.
  slot->model = no_model();
  slot->model_version = -1;
  const auto asked = std::chrono::steady_clock::now();
  auto got = [self, run_id, then, fail, asked](std::int64_t got, SharedModel& shared) {
    auto& params = shared.params;
    if (!params) params = no_model();
    if (const auto& traffic = self->state.config.traffic) {
      const auto bytes = runtime::wire_size(*params);
      traffic->add_received(bytes);
      traffic->record_transfer(
          bytes, std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
    }
    auto* s = slot_of(self->state, run_id);
    if (!s || !s->ready) {
      fail(failure(self->state.config.name + ": the job left this node"));
      return;
    }
    s->model = params;
    s->model_version = got;
    then(std::move(params));
  };
  auto failed = [fail](caf::error& err) { fail(std::move(err)); };
  const auto aggregator = slot->aggregator;
  const auto timeout = timeout_of(*slot->job);
  const auto bulk_min = self->state.config.bulk_min_bytes;
  const auto gave_up = slot->models_in_messages;
  const auto shared_models = slot->shared_models;
  const bool shared = may_share && self->state.config.shared_memory && *shared_models >= 0 &&
                      !net::shared_host_key().empty();
  const bool bulk = !*gave_up && bulk_min != std::numeric_limits<std::uint64_t>::max();
  if (!asks_for_model_offer(self->node(), aggregator, bulk ? bulk_min : ~std::uint64_t{0},
                            shared)) {
    self->request(aggregator, timeout, model_atom::value, version).then(got, failed);
    return;
  }
  constexpr auto kNever = std::numeric_limits<std::int64_t>::max();
  self->request(aggregator, timeout, model_atom::value,
                ModelRequest{version,
                             bulk ? static_cast<std::int64_t>(std::min<std::uint64_t>(
                                        bulk_min, static_cast<std::uint64_t>(kNever)))
                                  : kNever,
                             shared ? net::shared_host_key() : std::string()})
      .then(
          [self, run_id, then, fail, gave_up, shared, shared_models, aggregator, timeout, version,
           got, failed](ModelOffer& offer) {
            if (!offer.shared.empty()) {
              if (!shared)  // not asked for: a misbehaving aggregator, not asked again
                return fail(failure("model version " + std::to_string(version) +
                                    ": the aggregator answered a shared block not asked for"));
              std::shared_ptr<models::Parameters> params;
              bool gone = false;
              const auto why = read_shared_model(offer, params, &gone);
              note_shared_memory("model version " + std::to_string(offer.version), why);
              if (why.empty()) {
                *shared_models = 1;  // and updates go that way too
                SharedModel model{std::move(params)};
                return got(offer.version, model);
              }
              // Never worked, and not a block let go meanwhile: another user
              // or namespace. Not again for the job.
              int untried = 0;
              if (!gone) shared_models->compare_exchange_strong(untried, -1);
              with_model(self, run_id, version, then, fail, false);  // the other ways
              return;
            }
            if (offer.offer.ticket.empty()) return got(offer.version, offer.model);
            const auto at = offer.version;
            auto fetcher = spawn_model_fetcher(self, std::move(offer), timeout, gave_up);
            self->request(fetcher, timeout, fetcher_atom::value)
                .then([got, at](SharedModel& shared) { got(at, shared); },
                      [self, aggregator, timeout, version, got, failed](caf::error& err) {
                        model_not_by_data_plane(self->system().render(err));
                        self->request(aggregator, timeout, model_atom::value, version)
                            .then(got, failed);
                      });
          },
          failed);
}

/// The slot a `what` ("train task") of run `run_id` uses, or null after
/// `fail` got why not: the node is not set up for the job, or knows no
/// aggregator for it.
RunSlot* task_slot(NodeState& st, std::uint64_t run_id, const std::string& what,
                   const std::function<void(caf::error)>& fail) {
  auto* slot = slot_of(st, run_id);
  if (!slot || !slot->ready) {
    fail(failure(st.config.name + ": " + what + " before set-up"));
    return nullptr;
  }
  if (!slot->aggregator) {
    fail(failure(st.config.name + ": no aggregator known yet"));
    return nullptr;
  }
  return slot;
}

/// The slot of run `run_id` when its turn comes, or null after `fail` got
/// why not: the job left the node, or the task waited in the node's queue
/// longer than the task timeout (the scheduler has given it up by then).
RunSlot* turn_slot(NodePtr self, std::uint64_t run_id, std::chrono::steady_clock::time_point since,
                   const std::function<void(caf::error)>& fail) {
  auto* slot = slot_of(self->state, run_id);
  const auto& name = self->state.config.name;
  if (!slot || !slot->ready) {
    fail(failure(name + ": the job left this node"));
    return nullptr;
  }
  if (std::chrono::steady_clock::now() - since > timeout_of(*slot->job)) {
    fail(failure(name + ": the task waited for the node's compute longer than the task timeout"));
    return nullptr;
  }
  return slot;
}

/// The weight of a task's update in the secure sum: its shard's examples over
/// the job's mean shard (FedAvg's weights, scaled to about 1 so that weighted
/// changes stay within runtime::kSecureUpdateRange). A node with its own data
/// knows only its own count: its updates weigh 1, as do all under DP.
double secure_weight(const NodeState& st, const RunSlot& slot, std::int32_t shard) {
  // Under local or distributed DP every noised update counts alike: the
  // accountant's sensitivity is one clipped update (runtime/core/privacy_plan.hpp).
  if (slot.job->privacy.enabled() || st.config.local || !slot.shard_sizes ||
      slot.shard_sizes->empty())
    return 1.0;
  const auto& sizes = *slot.shard_sizes;
  const double mean =
      std::accumulate(sizes.begin(), sizes.end(), 0.0) / static_cast<double>(sizes.size());
  return mean > 0.0 ? static_cast<double>(sizes[static_cast<std::size_t>(shard)]) / mean : 1.0;
}

}  // namespace

namespace {

/// A task's place in the node's queue, and the times it yielded so far.
struct Queued {
  std::uint64_t run_id = 0;
  std::chrono::steady_clock::time_point since;  ///< when it arrived
  std::int32_t yielded = 0;
  std::int32_t lost = 0;  ///< of those, the stops that lost work (after a mini-batch or more)
};

void train_in_turn(NodePtr self, const TrainTask& task, const Queued& q,
                   std::shared_ptr<const models::Parameters> model,
                   caf::typed_response_promise<TrainOutcome> rp, scheduler_actor boss,
                   std::uint64_t turn);

/// A task stops for a --preempt job's task after some of its work at most this
/// often; then it runs to its end (each such stop loses its work so far: a task
/// that kept stopping would never end). A stop before its first mini-batch
/// loses nothing and does not count.
constexpr std::int32_t kMaxYields = 5;

/// `task`'s turn of the node's compute, from `model`.
runtime::TaskTurns::Work training(NodePtr self, const TrainTask& task, const Queued& q,
                                  std::shared_ptr<const models::Parameters> model,
                                  caf::typed_response_promise<TrainOutcome> rp,
                                  scheduler_actor boss) {
  return [self, task, q, model, rp, boss](std::uint64_t turn) mutable {
    train_in_turn(self, task, q, std::move(model), rp, boss, turn);
  };
}

/// Trains `task` from `model` in turn `turn` of the node's compute. A task of
/// a --preempt job of higher priority makes it stop between mini-batches and
/// queue again (it runs from its start: the same seed, the same update).
void train_in_turn(NodePtr self, const TrainTask& task, const Queued& q,
                   std::shared_ptr<const models::Parameters> model,
                   caf::typed_response_promise<TrainOutcome> rp, scheduler_actor boss,
                   std::uint64_t turn) {
  auto& st = self->state;
  const auto run_id = q.run_id;
  const auto since = q.since;
  auto fail = [self, rp, turn](caf::error err) mutable {
    rp.deliver(std::move(err));
    end_turn(self, turn);
  };
  auto* found = turn_slot(self, run_id, since, fail);
  if (!found) return;
  auto& slot = *found;
  const auto& job = *slot.job;
  runtime::LocalTask local{task.round, task.shard, job.train.options(task.seed), {}};
  local.computing = [self, boss, task] {
    if (boss) self->send(boss, computing_atom::value, task.run_id, task.task_id);
  };
  if (q.lost < kMaxYields)
    local.options.interrupt = [self, priority = task.priority] {
      return self->state.turns.should_yield() || preempting_mail(self, priority);
    };
  // An update for the data plane gets its courier now: its ticket comes
  // while the node computes.
  // A model that came in a shared block: the update goes back in one.
  const UpdateRoute route{timeout_of(job),
                          st.config.update_part_bytes,
                          st.config.bulk_min_bytes,
                          slot.updates_in_messages,
                          *slot.shared_models == 1 && !*slot.updates_not_shared,
                          slot.updates_not_shared};
  auto carried = std::make_shared<ModelUpdate>();
  caf::actor courier;
  if (!job.privacy.secure_aggregation && !route.shared && !*slot.updates_in_messages &&
      by_data_plane(self->node(), slot.aggregator, route, model->bytes.size()))
    courier = spawn_courier(
        self, slot.aggregator, route, carried,
        BulkRequest{task.run_id, task.task_id, static_cast<std::int64_t>(model->bytes.size())});
  auto no_update = [&courier] {
    if (courier) caf::anon_send(courier, leave_atom::value);
  };
  models::TrainResult result;
  if (runtime::logging::enabled(runtime::logging::Level::debug))
    runtime::logging::Line(runtime::logging::Level::debug)
        << "troupe node " << st.config.name << ": task " << task.task_id << " of run "
        << task.run_id << " starts";
  try {
    result = slot.behaviour->train(*model, local, slot.update);
    if (!slot.update.same_layout(*model))
      throw std::runtime_error("node behaviour '" + slot.behaviour_name +
                               "' returned parameters of another layout");
  } catch (const models::TrainingInterrupted& e) {
    no_update();
    runtime::logging::Line(runtime::logging::Level::info)
        << "troupe node " << st.config.name << ": task " << task.task_id << " (priority "
        << task.priority << ") stopped after " << e.steps()
        << " mini-batches for a --preempt task of higher priority; queued again";
    // Queued again at its priority and first place, after the task it yields to.
    auto again = q;
    ++again.yielded;
    if (e.steps() > 0) ++again.lost;
    st.turns.requeue(task.priority, training(self, task, again, std::move(model), rp, boss),
                     task.preempt);
    end_turn(self, turn);
    return;
  } catch (const std::exception& e) {
    no_update();
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
  update.attack = slot.behaviour->attack_label();
  update.score = std::exp(-result.mean_loss);
  TrainOutcome outcome;
  outcome.task_id = task.task_id;
  outcome.node = st.config.name;
  outcome.samples = result.samples;
  outcome.samples_seen = result.samples_seen;
  outcome.mean_loss = result.mean_loss;
  outcome.compute_s = result.seconds;
  outcome.yielded = q.yielded;
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
    part.trained = std::move(slot.update);
    part.base = *model;
    part.base_version = task.base_version;
    part.weight = secure_weight(st, slot, task.shard);
    model.reset();
    let_model_go(slot);
    rp.deliver(outcome);
    end_turn(self, turn);
    spawn_secure_participant(
        self,
        {st.config.name, slot.aggregator, job.cluster.task_timeout_s, st.config.secure_vanish_after,
         st.config.secure_pause_before_masking_s, st.config.traffic, !st.config.pooled,
         st.config.update_part_bytes},
        std::move(part));
    return;
  }
  update.params =
      std::move(slot.update);  // the message owns it now; the next task refills slot.update
  if (st.config.traffic) st.config.traffic->add_sent(runtime::wire_size(update.params));
  model.reset();
  let_model_go(slot);
  // The compute is free while the aggregator answers.
  end_turn(self, turn);
  *carried = std::move(update);
  if (!courier) courier = spawn_courier(self, slot.aggregator, route, carried, std::nullopt);
  rp.delegate(courier, courier_atom::value, outcome);
}

/// Evaluates `model` in turn `turn` of the node's compute.
void evaluate_in_turn(NodePtr self, const EvalTask& task, std::uint64_t run_id,
                      std::shared_ptr<const models::Parameters> model,
                      caf::typed_response_promise<models::ClassificationMetrics> rp,
                      std::chrono::steady_clock::time_point since, std::uint64_t turn) {
  auto fail = [self, rp, turn](caf::error err) mutable {
    rp.deliver(std::move(err));
    end_turn(self, turn);
  };
  auto* slot = turn_slot(self, run_id, since, fail);
  if (!slot) return;
  models::ClassificationMetrics metrics;
  try {
    metrics = task.held_out ? slot->behaviour->evaluate_held_out(*model)
                            : slot->behaviour->evaluate(*model);
  } catch (const std::exception& e) {
    fail(failure(self->state.config.name + ": evaluation failed: " + e.what()));
    return;
  }
  model.reset();
  let_model_go(*slot);
  rp.deliver(std::move(metrics));
  end_turn(self, turn);
}

}  // namespace

void train(NodePtr self, const TrainTask& task, caf::typed_response_promise<TrainOutcome> rp,
           scheduler_actor boss) {
  auto& st = self->state;
  const auto since = std::chrono::steady_clock::now();
  const auto run_id = task.run_id != 0 ? task.run_id : st.last_setup;
  const std::function<void(caf::error)> fail = [rp](caf::error err) mutable {
    rp.deliver(std::move(err));
  };
  auto* slot = task_slot(st, run_id, "train task", fail);
  if (!slot) return;
  if (st.config.placement.shard >= 0 && task.shard != st.config.placement.shard) {
    fail(failure(st.config.name + ": does not hold shard " + std::to_string(task.shard)));
    return;
  }
  // Local data: the scheduler numbers the node's one shard (any index).
  if (task.shard < 0 ||
      (!st.config.local && static_cast<std::size_t>(task.shard) >= slot->shards)) {
    fail(failure(st.config.name + ": shard " + std::to_string(task.shard) + " does not exist"));
    return;
  }
  if (slot->behaviour->drops(task.task_id)) {
    TrainOutcome dropped;
    dropped.task_id = task.task_id;
    dropped.node = st.config.name;
    dropped.dropped = true;
    dropped.receipt.reason = "node dropped out (simulated)";
    rp.deliver(dropped);
    return;
  }
  // A --preempt job's task keeps lower ones from starting while its model
  // comes, and makes one that computes yield.
  const auto hold = task.preempt ? st.turns.hold(task.priority) : 0;
  with_model(
      self, run_id, task.base_version,
      [self, task, q = Queued{run_id, since, 0}, rp, boss,
       hold](std::shared_ptr<const models::Parameters> model) {
        enqueue(self, task.priority, training(self, task, q, std::move(model), rp, boss),
                task.preempt, hold);
      },
      [self, fail, hold](caf::error err) {
        unhold(self, hold);
        fail(std::move(err));
      });
}

void evaluate(NodePtr self, const EvalTask& task,
              caf::typed_response_promise<models::ClassificationMetrics> rp) {
  auto& st = self->state;
  const auto since = std::chrono::steady_clock::now();
  const auto run_id = task.run_id != 0 ? task.run_id : st.last_setup;
  const std::function<void(caf::error)> fail = [rp](caf::error err) mutable {
    rp.deliver(std::move(err));
  };
  if (!task_slot(st, run_id, "evaluation task", fail)) return;
  const auto hold = task.preempt ? st.turns.hold(task.priority) : 0;
  with_model(
      self, run_id, task.version,
      [self, task, run_id, rp, since, hold](std::shared_ptr<const models::Parameters> model) {
        enqueue(
            self, task.priority,
            [self, task, run_id, model, rp, since](std::uint64_t turn) mutable {
              evaluate_in_turn(self, task, run_id, std::move(model), rp, since, turn);
            },
            task.preempt, hold);
      },
      [self, fail, hold](caf::error err) {
        unhold(self, hold);
        fail(std::move(err));
      });
}

}  // namespace troupe::actors::node
