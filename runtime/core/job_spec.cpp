#include "runtime/core/job_spec.hpp"

#include <cmath>

namespace troupe::runtime {

std::string JobSpec::validate() const {
  if (nodes < 1) return "--nodes must be at least 1";
  if (rounds < 1) return "--rounds must be at least 1";
  if (model != "mlp" && model != "cnn") return "--model must be mlp or cnn (got '" + model + "')";
  if (partition != "iid" && partition != "dirichlet" && partition != "labels")
    return "--partition must be iid, dirichlet or labels (got '" + partition + "')";
  if (node_behaviour.empty()) return "--node-behaviour must not be empty";
  if (public_examples < 1) return "--public-examples must be at least 1";
  if (!(distill_weight >= 0.0) || !std::isfinite(distill_weight))
    return "--distill-weight must not be negative";
  if (!(distill_temperature > 0.0) || !std::isfinite(distill_temperature))
    return "--distill-temperature must be positive";
  if (distill_eval != "local" && distill_eval != "student")
    return "--distill-eval must be local or student (got '" + distill_eval + "')";
  if (labels_per_node < 1 || labels_per_node > 10) return "--labels-per-node must be in 1..10";
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
  if (mode != "sync" && mode != "async" && mode != "buffered")
    return "--mode must be sync, async or buffered (got '" + mode + "')";
  if (!(prox_mu >= 0.0) || !std::isfinite(prox_mu)) return "--prox-mu must not be negative";
  if (!(server_lr > 0.0) || !std::isfinite(server_lr)) return "--server-lr must be positive";
  if (!(server_momentum >= 0.0 && server_momentum < 1.0))
    return "--server-momentum must be in [0, 1)";
  if (!(beta1 >= 0.0 && beta1 < 1.0) || !(beta2 >= 0.0 && beta2 < 1.0))
    return "--beta1 and --beta2 must be in [0, 1)";
  if (!(tau > 0.0)) return "--tau must be positive";
  if (!(trim_fraction >= 0.0 && trim_fraction < 0.5)) return "--trim-fraction must be in [0, 0.5)";
  if (byzantine < 0 || multi_krum < 0) return "--byzantine and --multi-krum must not be negative";
  if (!(clip_norm >= 0.0) || !std::isfinite(clip_norm)) return "--clip-norm must not be negative";
  if (clients_per_round < 0) return "--clients-per-round must not be negative";
  if (clients_per_round > nodes) return "--clients-per-round must not exceed --nodes";
  if (!(over_selection >= 0.0 && over_selection <= 10.0))
    return "--over-selection must be in [0, 10]";
  if (!(round_deadline_s >= 0.0)) return "--round-deadline must not be negative";
  if (min_updates < 1) return "--min-updates must be at least 1";
  if (!(async_alpha > 0.0 && async_alpha <= 1.0)) return "--async-alpha must be in (0, 1]";
  if (staleness != "constant" && staleness != "polynomial" && staleness != "hinge")
    return "--staleness must be constant, polynomial or hinge (got '" + staleness + "')";
  if (!(staleness_a >= 0.0) || !std::isfinite(staleness_a))
    return "--staleness-a must not be negative";
  if (!(staleness_b >= 0.0) || !std::isfinite(staleness_b))
    return "--staleness-b must not be negative";
  if (buffer_size < 1) return "--buffer-size must be at least 1";
  if (max_staleness < 0) return "--max-staleness must not be negative";
  if (slow_nodes < 0 || slow_nodes > nodes) return "--slow-nodes must be in 0..--nodes";
  if (!(slow_factor >= 1.0) || !std::isfinite(slow_factor)) return "--slow-factor must be >= 1";
  if (!(dropout >= 0.0 && dropout < 1.0)) return "--dropout must be in [0, 1)";
  if (malicious < 0 || malicious > nodes) return "--malicious must be in 0..--nodes";
  if (attack != "scale" && attack != "signflip" && attack != "random")
    return "--attack must be scale, signflip or random (got '" + attack + "')";
  if (!std::isfinite(attack_scale)) return "--attack-scale must be finite";
  if (checkpoint_every < 1) return "--checkpoint-every must be at least 1";
  if ((!checkpoint_dir.empty() || !resume.empty()) && mode != "sync")
    return "--checkpoint-dir and --resume need --mode sync (asynchronous jobs replay from "
           "--event-log instead)";
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
  opts.prox_mu = job.prox_mu;
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
