#pragma once
/// \file
/// The built-in node actor's state and the functions its two files share:
/// node_actor.cpp (set-up, the jobs it serves, its queue of tasks) and
/// node_tasks.cpp (training and evaluation). Only those files include it.
///
/// A node serves every job it is set up for (a slot per JobSpec::run_id:
/// data, behaviour, model, aggregator) and runs one task at a time, the
/// waiting task of the highest priority first.

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "actors/node_actor.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/node/compute_gate.hpp"

namespace troupe::actors::node {

/// The empty model a node holds before its first fetch and between tasks of a lean job.
inline std::shared_ptr<const models::Parameters> no_model() {
  static const auto none = std::make_shared<const models::Parameters>();
  return none;
}

/// What a node holds for one job it serves (by JobSpec::run_id).
struct RunSlot {
  aggregator_actor aggregator;                    ///< where the job's models and updates go
  std::shared_ptr<runtime::DataCatalog> catalog;  ///< the job's data
  std::optional<runtime::JobSpec> job;
  std::string behaviour_name;  ///< what `behaviour` was made as
  /// The job's behaviour inside the compute gate, inside the node's misbehaviour.
  std::unique_ptr<runtime::MisbehavingNodeBehaviour> behaviour;
  bool ready = false;      ///< the job's set-up succeeded
  std::size_t shards = 0;  ///< in the job's split
  /// Of that split, for a secure sum's weights only (shared with the other nodes of the process).
  std::shared_ptr<const std::vector<std::int64_t>> shard_sizes;
  std::int64_t model_version = -1;  ///< version held in `model`
  /// The global model as the aggregator shared it (in-process nodes hold one
  /// copy between them); never null.
  std::shared_ptr<const models::Parameters> model = no_model();
  models::Parameters update;  ///< reused output buffer of training
  /// Set when a transfer over the data plane found no address it could
  /// connect to: the job's later models and updates on this node go in
  /// messages (actors/model_fetcher.hpp, actors/update_courier.hpp). Shared:
  /// fetchers and couriers are actors of their own. A set-up gets new flags.
  std::shared_ptr<std::atomic<bool>> models_in_messages =
      std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> updates_in_messages =
      std::make_shared<std::atomic<bool>>(false);

  /// Shared blocks with the job's aggregator (net/shared_block.hpp): 0 not
  /// tried yet, 1 a model came that way (updates go that way too), -1 off
  /// for the job (the first model's block could not be read: another host).
  std::shared_ptr<std::atomic<int>> shared_models = std::make_shared<std::atomic<int>>(0);
  /// Set when the aggregator could not read an update's block (another user).
  std::shared_ptr<std::atomic<bool>> updates_not_shared =
      std::make_shared<std::atomic<bool>>(false);

  /// New flags: the data plane and shared blocks are tried again.
  void try_data_plane_again() {
    models_in_messages = std::make_shared<std::atomic<bool>>(false);
    updates_in_messages = std::make_shared<std::atomic<bool>>(false);
    shared_models = std::make_shared<std::atomic<int>>(0);
    updates_not_shared = std::make_shared<std::atomic<bool>>(false);
  }
  std::uint64_t used = 0;  ///< when it last got a set-up or task (NodeState::clock)

  /// Lets the job go (its model, aggregator, spec); the data and behaviour
  /// stay, for the next set-up to reuse.
  void forget_job() {
    ready = false;
    job.reset();
    aggregator = aggregator_actor{};
    model = no_model();
    model_version = -1;
    shard_sizes.reset();
    try_data_plane_again();
  }
};

/// A node serves at most this many jobs at once (the scheduler's
/// --concurrent-jobs is at most 64); beyond it, it lets go of the one it used
/// least recently (a job whose end it missed).
constexpr std::size_t kMaxRunSlots = 64;

struct NodeState {
  NodeConfig config;
  /// From aggregator_atom: the aggregator of the set-ups that follow.
  aggregator_actor next_aggregator;
  std::map<std::uint64_t, RunSlot> runs;  ///< by run id
  /// What the last job that left held (data, behaviour), for the next set-up
  /// to reuse: jobs one after another load their data once.
  std::unique_ptr<RunSlot> spare;
  std::uint64_t last_setup = 0;  ///< the run id set up last (an EvalTask without one)
  runtime::TaskTurns turns;      ///< its tasks' order: one at a time, highest priority first
  std::uint64_t clock = 0;       ///< counts set-ups and tasks (RunSlot::used)

  static inline const char* name = "troupe.node";
};

using next_atom = caf::atom_constant<caf::atom("next")>;
/// The node's own interface: node_actor plus the message it sends itself to
/// take its next waiting task (after the messages already in its mailbox).
using node_impl = node_actor::extend<caf::reacts_to<next_atom>>;
using NodePtr = node_impl::stateful_pointer<NodeState>;

inline std::chrono::milliseconds timeout_of(const runtime::JobSpec& job) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(job.cluster.task_timeout_s * 1000.0));
}

/// Whether the node holds nothing of the job between tasks (NodeSetup::release_between_tasks).
inline bool lean(const RunSlot& slot) {
  return slot.job && runtime::nodes_are_sampled(*slot.job);
}

/// Queues `work` at `priority`; it runs when the node's compute is free and
/// no task of higher priority waits. `preempts`: a task of lower priority
/// that computes yields to it; `hold`: the hold (TaskTurns::hold) it ends.
void enqueue(NodePtr self, double priority, runtime::TaskTurns::Work work, bool preempts = false,
             std::uint64_t hold = 0);
/// Whether a task or set-up of a --preempt job above `priority` waits in the
/// node's mailbox, not read yet (actors/node_mailbox.cpp).
bool preempting_mail(NodePtr self, double priority);
/// Ends `hold` without a task (its model could not be had).
void unhold(NodePtr self, std::uint64_t hold);
/// Turn `turn` is over (its task failed or its computing ended); the next
/// waiting task gets the compute. A turn ends once, later calls do nothing.
void end_turn(NodePtr self, std::uint64_t turn);
/// The slot of run `run_id` (0: the one set up last), or null.
RunSlot* slot_of(NodeState& st, std::uint64_t run_id);
/// A lean node lets the global model go after a task, and its thread's
/// allocator cache too: the next task needs a newer version anyway.
void let_model_go(RunSlot& slot);
/// Trains `task`: once the node holds its base model, it waits for its turn
/// of the node's compute (by the task's priority); `rp` gets the outcome.
void train(NodePtr self, const TrainTask& task, caf::typed_response_promise<TrainOutcome> rp,
           scheduler_actor boss);
/// Evaluates `task` the same way.
void evaluate(NodePtr self, const EvalTask& task,
              caf::typed_response_promise<models::ClassificationMetrics> rp);

}  // namespace troupe::actors::node
