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

  /// Empty when the spec is usable, else the first problem, naming the option.
  std::string validate() const;
};

/// The local-training hyper-parameters of `job` for a task with `seed`.
models::TrainOptions train_options(const JobSpec& job, std::uint64_t seed);

/// Seed of one training task: a stable mix of the job seed, round and shard, so
/// the update does not depend on which node runs the task.
std::uint64_t task_seed(std::uint64_t job_seed, int round, int shard);

}  // namespace troupe::runtime
