#pragma once
/// \file
/// The one list of a job's options. Each line names an option once: its JSON
/// key (the report's "config" object, checkpoints, event logs), its command-line
/// flag (also the INI key of --config), its help text, and where it lives in
/// JobSpec. The CLI, JSON, CAF messages and checkpoints all walk this list, so
/// adding an option is one line here plus its member (with its default) in
/// runtime/core/job_spec.hpp.

#include <type_traits>

#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

/// Where an option is listed in --help; the order of the enum is the order of the sections.
enum class Section { job, data, collaboration, robustness, privacy, outputs, cluster };

/// The heading of `section` in --help ("job", "data", ...).
constexpr const char* section_name(Section section) {
  constexpr const char* kNames[] = {"job",     "data",    "collaboration", "robustness",
                                    "privacy", "outputs", "cluster"};
  return kNames[static_cast<int>(section)];
}

/// How one option is spelled outside the program.
struct JobField {
  Section section;   ///< its --help section
  const char* key;   ///< JSON key, snake_case
  const char* flag;  ///< command-line flag and INI key, without the dashes
  const char* help;  ///< one line for --help
};

/// Calls `v(const JobField&, member&)` for every option of `job`, in the
/// order of --help. The member's type is bool (a switch: `--flag`), int,
/// std::int64_t, std::uint64_t, double, std::string or a named enum
/// (runtime/core/job_enums.hpp). `Job` is JobSpec or const JobSpec.
template <class Job, class Visitor>
void for_each_field(Job& job, Visitor&& v) {
  static_assert(std::is_same_v<std::remove_const_t<Job>, JobSpec>, "visits a JobSpec");
  // clang-format off
  v(JobField{Section::job, "name", "name", "job name"}, job.name);
  v(JobField{Section::job, "nodes", "nodes", "number of data shards (embedded: nodes)"}, job.nodes);
  v(JobField{Section::job, "rounds", "rounds", "training rounds"}, job.rounds);
  v(JobField{Section::job, "model", "model", "model: mlp | cnn"}, job.train.model);
  v(JobField{Section::job, "model_file", "model-file", "train this TorchScript module (torch.jit.save) instead of --model; shipped with the job"}, job.train.model_file);
  v(JobField{Section::data, "input_shape", "input-shape", "shape of one example, e.g. 1,28,28 or 64 (empty: from the data)"}, job.data.input_shape);
  v(JobField{Section::data, "classes", "classes", "number of classes (0: the model's output size)"}, job.data.classes);
  v(JobField{Section::data, "partition", "partition", "data split: iid | dirichlet | labels"}, job.data.partition);
  v(JobField{Section::data, "alpha", "alpha", "Dirichlet concentration (smaller = more skewed)"}, job.data.alpha);
  v(JobField{Section::job, "local_epochs", "local-epochs", "local epochs per training task"}, job.train.local_epochs);
  v(JobField{Section::job, "local_steps", "local-steps", "if > 0: mini-batches per training task instead of epochs"}, job.train.local_steps);
  v(JobField{Section::job, "batch_size", "batch-size", "mini-batch size"}, job.train.batch_size);
  v(JobField{Section::job, "lr", "lr", "SGD learning rate"}, job.train.lr);
  v(JobField{Section::job, "momentum", "momentum", "SGD momentum"}, job.train.momentum);
  v(JobField{Section::job, "seed", "seed", "random seed (data split, initial model, shuffling)"}, job.seed);
  v(JobField{Section::job, "threads", "threads", "CPU threads per training task"}, job.compute.threads);
  v(JobField{Section::job, "device", "device", "cpu | cuda | cuda:N"}, job.compute.device);
  v(JobField{Section::data, "data_dir", "data-dir", "Fashion-MNIST directory (gzipped IDX files)"}, job.data.data_dir);
  v(JobField{Section::data, "train_limit", "train-limit", "use only the first N training examples (0 = all)"}, job.data.train_limit);
  v(JobField{Section::data, "test_limit", "test-limit", "evaluate on the first N test examples (0 = all)"}, job.data.test_limit);
  v(JobField{Section::data, "test_data", "test-data", "held-out set for central evaluation (CSV, x.npy/y.npy directory or IDX pair); shipped with the job"}, job.data.test_data);
  v(JobField{Section::data, "eval", "eval", "evaluation: central | federated (each node on its held-out part) | both"}, job.eval.mode);
  v(JobField{Section::data, "local_test_fraction", "local-test-fraction", "federated evaluation: fraction of each node's examples held out"}, job.eval.local_test_fraction);
  v(JobField{Section::cluster, "policy", "policy", "allocation policy of sync rounds (names: below)"}, job.cluster.policy);
  v(JobField{Section::cluster, "task_timeout_s", "task-timeout", "seconds before a task counts as failed"}, job.cluster.task_timeout_s);
  v(JobField{Section::cluster, "min_nodes", "min-nodes", "nodes that must have joined before round 1 (cluster mode)"}, job.cluster.min_nodes);
  v(JobField{Section::cluster, "priority", "priority", "the job's priority at a scheduler: queued jobs start highest first, in submission order among equals (troupe submit)"}, job.cluster.priority);
  v(JobField{Section::cluster, "deadline_s", "deadline", "> 0: seconds from submission within which the job should end; the report says whether it did (0 = none)"}, job.cluster.deadline_s);
  v(JobField{Section::cluster, "preempt", "preempt", "a running job of lower priority yields to this one at its next round end (checkpointed, queued again, resumed later; synchronous jobs)"}, job.cluster.preempt);
  v(JobField{Section::cluster, "demand", "demand", "what one task needs on its node, e.g. cpu=2,memory=4G,gpu-memory=8G; nodes that cannot meet it are left out (empty = none)"}, job.cluster.demand);
  v(JobField{Section::cluster, "join_timeout_s", "join-timeout", "seconds to wait for --min-nodes nodes (cluster mode)"}, job.cluster.join_timeout_s);
  v(JobField{Section::data, "examples_per_node", "examples-per-node", "every node its own seeded sample of N training examples (samples may overlap; 0 = split the set over the nodes)"}, job.data.examples_per_node);
  v(JobField{Section::data, "labels_per_node", "labels-per-node", "labels in each shard (--partition labels)"}, job.data.labels_per_node);
  v(JobField{Section::collaboration, "node_behaviour", "node-behaviour", "what nodes compute with: libtorch, distill (federated distillation), or a behaviour a --plugin registers (names: below)"}, job.cluster.node_behaviour);
  v(JobField{Section::collaboration, "public_examples", "public-examples", "distill: training examples held out as the shared public set"}, job.distill.public_examples);
  v(JobField{Section::collaboration, "distill_weight", "distill-weight", "distill: weight of the distillation term in local training (0 = local training only)"}, job.distill.weight);
  v(JobField{Section::collaboration, "distill_temperature", "distill-temperature", "distill: softening temperature of the shared predictions"}, job.distill.temperature);
  v(JobField{Section::collaboration, "distill_eval", "distill-eval", "distill: evaluate the evaluating node's local models (local) or a student distilled from the soft labels (student)"}, job.distill.eval);
  v(JobField{Section::collaboration, "mode", "mode", "collaboration: sync (rounds) | async (FedAsync) | buffered (FedBuff)"}, job.collab.mode);
  v(JobField{Section::collaboration, "strategy", "strategy", "aggregation strategy of sync rounds (names: below)"}, job.collab.strategy);
  v(JobField{Section::collaboration, "prox_mu", "prox-mu", "FedProx proximal term mu on the nodes (0 = off)"}, job.train.prox_mu);
  v(JobField{Section::collaboration, "server_lr", "server-lr", "server learning rate (sync: FedAvgM, FedAdam, FedYogi, FedAdagrad; buffered: FedBuff)"}, job.collab.strategy_options.server_lr);
  v(JobField{Section::collaboration, "server_momentum", "server-momentum", "FedAvgM momentum"}, job.collab.strategy_options.server_momentum);
  v(JobField{Section::collaboration, "beta1", "beta1", "FedAdam/FedYogi first-moment decay"}, job.collab.strategy_options.beta1);
  v(JobField{Section::collaboration, "beta2", "beta2", "FedAdam/FedYogi second-moment decay"}, job.collab.strategy_options.beta2);
  v(JobField{Section::collaboration, "tau", "tau", "adaptive server optimisers' epsilon"}, job.collab.strategy_options.tau);
  v(JobField{Section::robustness, "trim_fraction", "trim-fraction", "trimmed mean: fraction cut at each end"}, job.collab.strategy_options.trim_fraction);
  v(JobField{Section::robustness, "byzantine", "byzantine", "Krum: assumed number of malicious updates"}, job.collab.strategy_options.byzantine);
  v(JobField{Section::robustness, "multi_krum", "multi-krum", "Multi-Krum: updates averaged (0 = n - byzantine)"}, job.collab.strategy_options.multi_krum);
  v(JobField{Section::privacy, "clip_norm", "clip-norm", "> 0: clip each update's change to this L2 norm"}, job.collab.strategy_options.clip_norm);
  v(JobField{Section::collaboration, "clients_per_round", "clients-per-round", "sync: updates a round needs (0 = every shard)"}, job.sync.clients_per_round);
  v(JobField{Section::collaboration, "over_selection", "over-selection", "sync: extra tasks started, as a fraction of --clients-per-round"}, job.sync.over_selection);
  v(JobField{Section::collaboration, "round_deadline_s", "round-deadline", "sync: seconds after which a round closes with what arrived (0 = none)"}, job.sync.round_deadline_s);
  v(JobField{Section::collaboration, "min_updates", "min-updates", "sync: updates needed before the deadline may close a round"}, job.sync.min_updates);
  v(JobField{Section::collaboration, "backup_after", "backup-after", "sync, > 0: start a backup copy of a training task running this many times the round's median task time (1.5 is Spark's speculation default; 0 = none)"}, job.sync.backup_after);
  v(JobField{Section::collaboration, "task_deadline_s", "task-deadline", "sync, > 0: start a backup copy of a training task still computing this many seconds after it began, whatever its peers did (0 = none)"}, job.sync.task_deadline_s);
  v(JobField{Section::collaboration, "allow_partial_rounds", "allow-partial-rounds", "sync: a job whose rounds lost shards ends ok, not degraded"}, job.sync.allow_partial_rounds);
  v(JobField{Section::collaboration, "async_alpha", "async-alpha", "async (FedAsync): mixing weight alpha"}, job.async.alpha);
  v(JobField{Section::collaboration, "staleness", "staleness", "async modes: staleness function: constant | polynomial | hinge"}, job.async.staleness);
  v(JobField{Section::collaboration, "staleness_a", "staleness-a", "polynomial exponent a / hinge slope a"}, job.async.staleness_a);
  v(JobField{Section::collaboration, "staleness_b", "staleness-b", "hinge: staleness tolerated without discount"}, job.async.staleness_b);
  v(JobField{Section::collaboration, "buffer_size", "buffer-size", "buffered (FedBuff): updates per aggregation (K)"}, job.async.buffer_size);
  v(JobField{Section::collaboration, "max_staleness", "max-staleness", "async modes, > 0: drop updates older than this many versions"}, job.async.max_staleness);
  v(JobField{Section::outputs, "event_log", "event-log", "async modes: write the event log (JSON lines) here"}, job.async.event_log);
  v(JobField{Section::robustness, "checkpoint_dir", "checkpoint-dir", "write a checkpoint (model, version, strategy state, rounds; async modes also buffer, versions held, tasks in flight) into DIR"}, job.checkpoint.dir);
  v(JobField{Section::robustness, "checkpoint_every", "checkpoint-every", "rounds between checkpoints (async modes: a round is --nodes accepted updates)"}, job.checkpoint.every);
  v(JobField{Section::robustness, "checkpoint_required", "checkpoint-required", "a checkpoint that cannot be written fails the job (default: counted in the report, the job goes on)"}, job.checkpoint.required);
  v(JobField{Section::robustness, "resume", "resume", "continue the job checkpointed in DIR (its own options; keeps checkpointing there)"}, job.checkpoint.resume);
  v(JobField{Section::robustness, "slow_nodes", "slow-nodes", "embedded (troupe run): the last N nodes are stragglers"}, job.experiment.slow_nodes);
  v(JobField{Section::robustness, "slow_factor", "slow-factor", "embedded: how many times slower a --slow-nodes straggler trains"}, job.experiment.slow_factor);
  v(JobField{Section::robustness, "dropout", "dropout", "probability that a node drops a training task"}, job.experiment.dropout);
  v(JobField{Section::robustness, "malicious", "malicious", "embedded (troupe run): the first N nodes send attack updates"}, job.experiment.malicious);
  v(JobField{Section::robustness, "attack", "attack", "embedded: what the --malicious nodes send: scale | signflip | random | inflate-samples"}, job.experiment.attack);
  v(JobField{Section::robustness, "attack_scale", "attack-scale", "embedded: factor of the --malicious nodes' attack"}, job.experiment.attack_scale);
  v(JobField{Section::privacy, "dp", "dp", "differential privacy: none | central (the aggregator clips and noises the sum) | local (each node noises its update) | distributed (each node adds its share of the noise under --secure-aggregation)"}, job.privacy.mode);
  v(JobField{Section::privacy, "dp_noise_multiplier", "dp-noise-multiplier", "DP: noise standard deviation as a multiple of the clip norm (sigma)"}, job.privacy.noise_multiplier);
  v(JobField{Section::privacy, "dp_clip_norm", "dp-clip-norm", "DP: L2 bound of each update's change (C; the starting value when adaptive)"}, job.privacy.clip_norm);
  v(JobField{Section::privacy, "dp_adaptive_clip", "dp-adaptive-clip", "central DP: move the clip norm toward this quantile of update norms, in (0, 1) (0 = fixed)"}, job.privacy.adaptive_clip);
  v(JobField{Section::privacy, "dp_delta", "dp-delta", "DP: delta of the reported (epsilon, delta), in (0, 1)"}, job.privacy.delta);
  v(JobField{Section::privacy, "dp_target_epsilon", "dp-target-epsilon", "DP: stop after the last round whose epsilon stays within this (0 = no limit)"}, job.privacy.target_epsilon);
  v(JobField{Section::privacy, "dp_reproducible_noise", "dp-reproducible-noise", "DP: derive the noise from --seed so runs repeat (experiments only: whoever knows the seed can remove it); default: a secret key from the operating system"}, job.privacy.reproducible_noise);
  v(JobField{Section::privacy, "secure_aggregation", "secure-aggregation", "sum the updates under secure-aggregation masks (SecAgg+): the aggregator sees only each round's (sync) or buffer's (buffered) sum"}, job.privacy.secure_aggregation);
  // clang-format on
}

}  // namespace troupe::runtime
