#pragma once
/// \file
/// What a node does with its data: set up for a job, train on a shard,
/// evaluate a global model. The node actor handles the protocol (fetching
/// models, sending updates) and calls a NodeBehaviour for the compute, so
/// another model, another data set or an extra step (distillation,
/// fine-tuning) is a behaviour, not a new actor. Decorators wrap a behaviour:
/// the compute gate (gated_node_behaviour.hpp) and simulated drop-outs,
/// stragglers and attacks (misbehaving_node_behaviour.hpp).
///
/// Behaviours are created by name (a job's `node_behaviour`, `--node-behaviour`)
/// from a registry; the built-in "libtorch" trains troupe's models with
/// LibTorch, and "distill" does federated distillation
/// (runtime/node/distill_node_behaviour.hpp). Plugins add theirs with register_node_behaviour. This
/// header does not include LibTorch.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/metrics.hpp"
#include "models/parameters.hpp"
#include "models/trainer.hpp"
#include "models/trainer_pool.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/node/data_catalog.hpp"

namespace troupe::runtime {

/// Everything a behaviour is set up with for one job.
struct NodeSetup {
  std::string node;  ///< the node's name (for messages)
  JobSpec job;
  /// The node's data for this job (Fashion-MNIST from the job's or the node's
  /// data directory, loaded on first use). A behaviour with its own data may ignore it.
  std::shared_ptr<DataCatalog> data;
  /// The node's own examples (`troupe node --data`), or null. When set, the
  /// node trains only on these (one shard: its own) and `data` serves at most
  /// the central test set.
  std::shared_ptr<const models::Dataset> local;
  models::DeviceOptions device;  ///< the job's device and threads, or the node's overrides
  /// Hold nothing between tasks that the next task can make again (a
  /// trainer, buffers): the node trains rarely (its job samples nodes,
  /// nodes_are_sampled). A behaviour may ignore it.
  bool release_between_tasks = false;
  /// Trainers shared by the process's nodes, or null (each node keeps its
  /// own). Embedded runs of many nodes (NodeConfig::pooled) share one: only
  /// as many nodes train at once as there are compute slots. A behaviour may
  /// ignore it.
  std::shared_ptr<models::TrainerPool> trainers;
};

/// What set-up found: examples per shard of the job's split, and test examples.
struct NodeData {
  std::vector<std::int64_t> shard_sizes;
  std::int64_t test_size = 0;
  /// Instead of shard_sizes, a list shared by the nodes of one process (the
  /// built-in behaviour's, from its DataCatalog): no copy per node. Last, so
  /// that `return {sizes, test_size};` keeps meaning what it did.
  std::shared_ptr<const std::vector<std::int64_t>> shared_shard_sizes = nullptr;

  /// The sizes, shared where set, else shard_sizes.
  const std::vector<std::int64_t>& sizes() const {
    return shared_shard_sizes ? *shared_shard_sizes : shard_sizes;
  }
  /// The sizes as a shared list (moving shard_sizes into one when not shared).
  std::shared_ptr<const std::vector<std::int64_t>> take_shared_sizes() {
    if (!shared_shard_sizes)
      shared_shard_sizes =
          std::make_shared<const std::vector<std::int64_t>>(std::move(shard_sizes));
    return shared_shard_sizes;
  }
};

/// One local-training task as a behaviour sees it.
struct LocalTask {
  std::int32_t round = 0;
  std::int32_t shard = 0;  ///< index into NodeData::shard_sizes (checked by the caller)
  models::TrainOptions options;
  /// Called once, on the training thread, when the task begins computing (it
  /// holds its compute slot); the node tells the scheduler, whose straggler
  /// rules (--backup-after, --task-deadline) count a task's time from then. May be empty.
  std::function<void()> computing;
};

/// Compute of one node. Calls come from one thread at a time, in this order:
/// setup, then any number of train and evaluate calls; setup again for the
/// next job. Errors are exceptions (std::exception): the node reports the
/// message as the task's failure and stays usable.
class NodeBehaviour {
 public:
  virtual ~NodeBehaviour() = default;
  /// The name it is registered under.
  virtual std::string name() const = 0;
  /// Prepares for `setup.job`: selects data, builds models.
  virtual NodeData setup(const NodeSetup& setup) = 0;
  /// Trains from `global` on shard `task.shard` and writes the resulting
  /// parameters into `update` (the layout of `global`; its buffer may be reused).
  virtual models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                                    models::Parameters& update) = 0;
  /// Evaluates `global` on the node's test data.
  virtual models::ClassificationMetrics evaluate(const models::Parameters& global) = 0;
  /// Federated evaluation: evaluates `global` on the part of the node's own
  /// examples held out from training (--eval federated, --local-test-fraction).
  /// By default throws std::logic_error (the behaviour does not support it).
  virtual models::ClassificationMetrics evaluate_held_out(const models::Parameters& global);
  /// The global "model" (version 0) the aggregator starts `job` from; what the
  /// nodes then share and the strategy averages has this layout. Called on a
  /// behaviour that was not set up. By default the job's model freshly
  /// initialised from the job's seed (models::initial_parameters); a behaviour
  /// that shares something else (distillation: soft labels) overrides it.
  /// Throws std::invalid_argument for a job it cannot serve.
  virtual models::Parameters initial_global(const JobSpec& job) const;
};

/// The built-in behaviour's name.
inline constexpr const char* kDefaultNodeBehaviour = "libtorch";

/// True when each round samples some of the job's nodes (--clients-per-round
/// below --nodes): a node then trains rarely, so between its tasks it keeps
/// neither the global model nor a trainer (NodeSetup::release_between_tasks;
/// a dormant node of a large simulation costs little more than its descriptor).
inline bool nodes_are_sampled(const JobSpec& job) {
  return job.sync.clients_per_round > 0 && job.sync.clients_per_round < job.nodes;
}

/// Makes a new behaviour; one per node.
using NodeBehaviourFactory = std::function<std::unique_ptr<NodeBehaviour>()>;

/// Makes `name` a behaviour that make_node_behaviour (and so a job's
/// node_behaviour) accepts. Throws std::invalid_argument when the name is
/// empty, has spaces or commas, or is taken, or the factory is empty.
void register_node_behaviour(const std::string& name, NodeBehaviourFactory factory);
/// Names accepted by make_node_behaviour: "libtorch", "distill", then registered ones.
std::vector<std::string> node_behaviour_names();
/// The behaviour called `name`; throws std::invalid_argument listing the known names.
std::unique_ptr<NodeBehaviour> make_node_behaviour(const std::string& name);
/// What the aggregator starts `job` from: initial_global of the job's
/// node_behaviour. A name this process does not know (a plugin loaded only on
/// the nodes) gets the default, the initialised model; a behaviour that shares
/// anything else must be loaded where the aggregator runs too.
models::Parameters initial_global_model(const JobSpec& job);

}  // namespace troupe::runtime
