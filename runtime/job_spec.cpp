#include "runtime/job_spec.hpp"

#include <cmath>

namespace troupe::runtime {

std::string JobSpec::validate() const {
  if (nodes < 1) return "--nodes must be at least 1";
  if (rounds < 1) return "--rounds must be at least 1";
  if (model != "mlp" && model != "cnn") return "--model must be mlp or cnn (got '" + model + "')";
  if (partition != "iid" && partition != "dirichlet")
    return "--partition must be iid or dirichlet (got '" + partition + "')";
  if (!(alpha > 0.0) || !std::isfinite(alpha)) return "--alpha must be a positive number";
  if (local_epochs < 1) return "--local-epochs must be at least 1";
  if (local_steps < 0) return "--local-steps must not be negative";
  if (batch_size < 1) return "--batch-size must be at least 1";
  if (!(lr > 0.0) || !std::isfinite(lr)) return "--lr must be a positive number";
  if (!(momentum >= 0.0 && momentum < 1.0)) return "--momentum must be in [0, 1)";
  if (threads < 1) return "--threads must be at least 1";
  if (train_limit < 0 || test_limit < 0)
    return "--train-limit and --test-limit must not be negative";
  if (!(task_timeout_s > 0.0)) return "--task-timeout must be positive";
  if (min_nodes < 1) return "--min-nodes must be at least 1";
  if (!(join_timeout_s >= 0.0)) return "--join-timeout must not be negative";
  return {};
}

models::TrainOptions train_options(const JobSpec& job, std::uint64_t seed) {
  models::TrainOptions opts;
  opts.local_epochs = job.local_epochs;
  opts.local_steps = job.local_steps;
  opts.batch_size = job.batch_size;
  opts.lr = job.lr;
  opts.momentum = job.momentum;
  opts.seed = seed;
  return opts;
}

std::uint64_t task_seed(std::uint64_t job_seed, int round, int shard) {
  // splitmix64 finaliser over the combined fields.
  std::uint64_t z = job_seed ^ (static_cast<std::uint64_t>(round) << 32) ^
                    static_cast<std::uint64_t>(static_cast<std::uint32_t>(shard));
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace troupe::runtime
