#pragma once
/// \file
/// A training job as the user describes it: model, data, rounds, mode.

#include <cstdint>
#include <string>

#include "models/trainer.hpp"

namespace troupe::runtime {

/// Everything that defines a federated training job. Defaults are the demo
/// (about two minutes on a 2-core machine): 10 nodes, IID Fashion-MNIST, the
/// CNN, 8 rounds of 1 local epoch (SGD lr 0.05, batch 32).
struct JobSpec {
  std::string name = "demo";
  int nodes = 10;  ///< number of nodes (and data shards)
  int rounds = 8;
  std::string model = "cnn";      ///< mlp | cnn
  std::string partition = "iid";  ///< iid | dirichlet
  double alpha = 0.5;             ///< Dirichlet concentration (partition = dirichlet)
  int local_epochs = 1;
  std::int64_t local_steps = 0;  ///< if > 0, mini-batches per task instead of epochs
  std::int64_t batch_size = 32;
  double lr = 0.05;
  double momentum = 0.0;
  std::uint64_t seed = 42;
  int threads = 1;             ///< intra-op CPU threads per training task
  std::string device = "cpu";  ///< cpu | cuda | cuda:N
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t train_limit = 0;     ///< use only the first N training examples (0 = all)
  std::int64_t test_limit = 0;      ///< evaluate on the first N test examples (0 = all)
  std::string policy = "priority";  ///< allocation policy
  double task_timeout_s = 600.0;    ///< a task that takes longer counts as failed
  int min_nodes = 1;                ///< nodes that must have joined before round 1
  double join_timeout_s = 60.0;     ///< how long to wait for min_nodes
  int labels_per_node = 2;          ///< labels per shard (partition = labels)
  /// What nodes compute with (runtime/node_behaviour.hpp): "libtorch" or a
  /// registered behaviour.
  std::string node_behaviour = "libtorch";
  // Federated distillation (node_behaviour "distill", runtime/distill_node_behaviour.hpp).
  std::int64_t public_examples = 2000;  ///< training examples held out as the shared public set
  double distill_weight = 1.0;          ///< weight of the distillation term in local training
  double distill_temperature = 2.0;     ///< softening of the shared predictions and the students
  std::string distill_eval = "local";   ///< local | student: the model an evaluation measures

  // -- collaboration ----------------------------------------------------------
  std::string mode = "sync";        ///< sync | async (FedAsync) | buffered (FedBuff)
  std::string strategy = "fedavg";  ///< aggregation strategy (sync mode)
  double prox_mu = 0.0;             ///< FedProx proximal term on the nodes (0 = off)
  double server_lr = 1.0;           ///< server learning rate (server optimisers, FedBuff)
  double server_momentum = 0.9;     ///< FedAvgM momentum
  double beta1 = 0.9;               ///< FedAdam/FedYogi first-moment decay
  double beta2 = 0.99;              ///< FedAdam/FedYogi second-moment decay
  double tau = 1e-3;                ///< adaptive optimisers' epsilon
  double trim_fraction = 0.1;       ///< trimmed mean: fraction cut at each end
  int byzantine = 0;                ///< Krum: assumed number of malicious updates
  int multi_krum = 0;               ///< Multi-Krum: updates averaged (0 = n - byzantine)
  double clip_norm = 0.0;           ///< > 0: clip each update's change to this L2 norm

  // Synchronous rounds.
  int clients_per_round = 0;      ///< updates a round needs (0 = every shard)
  double over_selection = 0.0;    ///< extra tasks started, as a fraction of clients_per_round
  double round_deadline_s = 0.0;  ///< > 0: close a round after this long with what arrived
  int min_updates = 1;            ///< updates a round needs before its deadline may close it

  // Asynchronous modes.
  double async_alpha = 0.6;              ///< FedAsync mixing weight alpha
  std::string staleness = "polynomial";  ///< constant | polynomial | hinge
  double staleness_a = 0.5;              ///< polynomial exponent a; hinge slope a
  double staleness_b = 4.0;              ///< hinge: staleness tolerated without discount
  int buffer_size = 5;                   ///< FedBuff: updates per aggregation (K)
  int max_staleness = 0;                 ///< > 0: drop updates older than this many versions
  std::string event_log;                 ///< async: write the event log (JSON lines) here

  // Checkpoints (sync mode).
  std::string checkpoint_dir;  ///< write a checkpoint here after every checkpoint_every rounds
  int checkpoint_every = 1;
  std::string resume;  ///< continue the job checkpointed in this directory

  // Heterogeneity and misbehaviour (embedded nodes; node processes have flags).
  int slow_nodes = 0;  ///< this many nodes run slow_factor times slower
  double slow_factor = 4.0;
  double dropout = 0.0;             ///< probability that a node drops a training task
  int malicious = 0;                ///< this many nodes send attack updates
  std::string attack = "signflip";  ///< scale | signflip | random
  double attack_scale = 10.0;       ///< factor of scale/signflip, noise norm ratio of random

  /// Empty when the spec is usable, else the first problem, naming the option.
  std::string validate() const;
};

/// The local-training hyper-parameters of `job` for a task with `seed`.
models::TrainOptions train_options(const JobSpec& job, std::uint64_t seed);

/// Seed of one training task: a stable mix of the job seed, round and shard, so
/// the update does not depend on which node runs the task.
std::uint64_t task_seed(std::uint64_t job_seed, int round, int shard);

}  // namespace troupe::runtime
