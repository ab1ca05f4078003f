#include "cli/job_options.hpp"

#include <algorithm>

#include "runtime/aggregation/strategy.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/node/node_behaviour.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

void add_job_options(po::options_description& desc, runtime::JobSpec& job) {
  // clang-format off
  desc.add_options()
      ("name", po::value(&job.name)->default_value(job.name), "job name")
      ("nodes", po::value(&job.nodes)->default_value(job.nodes), "number of data shards (embedded: nodes)")
      ("rounds", po::value(&job.rounds)->default_value(job.rounds), "training rounds")
      ("model", po::value(&job.model)->default_value(job.model), "model: mlp | cnn")
      ("partition", po::value(&job.partition)->default_value(job.partition), "data split: iid | dirichlet | labels")
      ("alpha", po::value(&job.alpha)->default_value(job.alpha), "Dirichlet concentration (smaller = more skewed)")
      ("local-epochs", po::value(&job.local_epochs)->default_value(job.local_epochs), "local epochs per training task")
      ("local-steps", po::value(&job.local_steps)->default_value(job.local_steps),
       "if > 0: mini-batches per training task instead of epochs")
      ("batch-size", po::value(&job.batch_size)->default_value(job.batch_size), "mini-batch size")
      ("lr", po::value(&job.lr)->default_value(job.lr), "SGD learning rate")
      ("momentum", po::value(&job.momentum)->default_value(job.momentum), "SGD momentum")
      ("seed", po::value(&job.seed)->default_value(job.seed), "random seed (data split, initial model, shuffling)")
      ("threads", po::value(&job.threads)->default_value(job.threads), "CPU threads per training task")
      ("device", po::value(&job.device)->default_value(job.device), "cpu | cuda | cuda:N")
      ("data-dir", po::value(&job.data_dir)->default_value(job.data_dir), "Fashion-MNIST directory (gzipped IDX files)")
      ("train-limit", po::value(&job.train_limit)->default_value(job.train_limit),
       "use only the first N training examples (0 = all)")
      ("test-limit", po::value(&job.test_limit)->default_value(job.test_limit),
       "evaluate on the first N test examples (0 = all)")
      ("policy", po::value(&job.policy)->default_value(job.policy),
       "allocation policy: priority | best-fit | spread | pack | balanced | regret | exact")
      ("task-timeout", po::value(&job.task_timeout_s)->default_value(job.task_timeout_s),
       "seconds before a task counts as failed")
      ("min-nodes", po::value(&job.min_nodes)->default_value(job.min_nodes),
       "nodes that must have joined before round 1 (cluster mode)")
      ("join-timeout", po::value(&job.join_timeout_s)->default_value(job.join_timeout_s),
       "seconds to wait for --min-nodes nodes")
      ("labels-per-node", po::value(&job.labels_per_node)->default_value(job.labels_per_node),
       "labels in each shard (--partition labels)")
      ("node-behaviour", po::value(&job.node_behaviour)->default_value(job.node_behaviour),
       "what nodes compute with: libtorch, distill (federated distillation), or a behaviour a --plugin registers")
      ("public-examples", po::value(&job.public_examples)->default_value(job.public_examples),
       "distill: training examples held out as the shared public set")
      ("distill-weight", po::value(&job.distill_weight)->default_value(job.distill_weight),
       "distill: weight of the distillation term in local training (0 = local training only)")
      ("distill-temperature", po::value(&job.distill_temperature)->default_value(job.distill_temperature),
       "distill: softening temperature of the shared predictions")
      ("distill-eval", po::value(&job.distill_eval)->default_value(job.distill_eval),
       "distill: evaluate the evaluating node's local models (local) or a student distilled from the soft labels (student)")
      ("mode", po::value(&job.mode)->default_value(job.mode),
       "collaboration: sync (rounds) | async (FedAsync) | buffered (FedBuff)")
      ("strategy", po::value(&job.strategy)->default_value(job.strategy),
       "aggregation strategy of sync rounds (see --help strategies in the README)")
      ("prox-mu", po::value(&job.prox_mu)->default_value(job.prox_mu), "FedProx proximal term mu on the nodes (0 = off)")
      ("server-lr", po::value(&job.server_lr)->default_value(job.server_lr), "server learning rate (FedAvgM, FedAdam, FedYogi, FedAdagrad, FedBuff)")
      ("server-momentum", po::value(&job.server_momentum)->default_value(job.server_momentum), "FedAvgM momentum")
      ("beta1", po::value(&job.beta1)->default_value(job.beta1), "FedAdam/FedYogi first-moment decay")
      ("beta2", po::value(&job.beta2)->default_value(job.beta2), "FedAdam/FedYogi second-moment decay")
      ("tau", po::value(&job.tau)->default_value(job.tau), "adaptive server optimisers' epsilon")
      ("trim-fraction", po::value(&job.trim_fraction)->default_value(job.trim_fraction), "trimmed mean: fraction cut at each end")
      ("byzantine", po::value(&job.byzantine)->default_value(job.byzantine), "Krum: assumed number of malicious updates")
      ("multi-krum", po::value(&job.multi_krum)->default_value(job.multi_krum), "Multi-Krum: updates averaged (0 = n - byzantine)")
      ("clip-norm", po::value(&job.clip_norm)->default_value(job.clip_norm), "> 0: clip each update's change to this L2 norm")
      ("clients-per-round", po::value(&job.clients_per_round)->default_value(job.clients_per_round),
       "sync: updates a round needs (0 = every shard)")
      ("over-selection", po::value(&job.over_selection)->default_value(job.over_selection),
       "sync: extra tasks started, as a fraction of --clients-per-round")
      ("round-deadline", po::value(&job.round_deadline_s)->default_value(job.round_deadline_s),
       "sync: seconds after which a round closes with what arrived (0 = none)")
      ("min-updates", po::value(&job.min_updates)->default_value(job.min_updates),
       "sync: updates needed before the deadline may close a round")
      ("async-alpha", po::value(&job.async_alpha)->default_value(job.async_alpha), "FedAsync mixing weight alpha")
      ("staleness", po::value(&job.staleness)->default_value(job.staleness), "staleness function: constant | polynomial | hinge")
      ("staleness-a", po::value(&job.staleness_a)->default_value(job.staleness_a), "polynomial exponent a / hinge slope a")
      ("staleness-b", po::value(&job.staleness_b)->default_value(job.staleness_b), "hinge: staleness tolerated without discount")
      ("buffer-size", po::value(&job.buffer_size)->default_value(job.buffer_size), "FedBuff: updates per aggregation (K)")
      ("max-staleness", po::value(&job.max_staleness)->default_value(job.max_staleness), "> 0: drop updates older than this many versions")
      ("event-log", po::value(&job.event_log)->default_value(job.event_log), "async modes: write the event log (JSON lines) here")
      ("checkpoint-dir", po::value(&job.checkpoint_dir)->default_value(job.checkpoint_dir),
       "sync: write a checkpoint (model, version, strategy state, rounds) into DIR")
      ("checkpoint-every", po::value(&job.checkpoint_every)->default_value(job.checkpoint_every),
       "rounds between checkpoints")
      ("resume", po::value(&job.resume)->default_value(job.resume),
       "continue the job checkpointed in DIR (its own options; keeps checkpointing there)")
      ("slow-nodes", po::value(&job.slow_nodes)->default_value(job.slow_nodes), "embedded: the last N nodes are stragglers")
      ("slow-factor", po::value(&job.slow_factor)->default_value(job.slow_factor), "how many times slower a straggler trains")
      ("dropout", po::value(&job.dropout)->default_value(job.dropout), "probability that a node drops a training task")
      ("malicious", po::value(&job.malicious)->default_value(job.malicious), "embedded: the first N nodes send attack updates")
      ("attack", po::value(&job.attack)->default_value(job.attack), "malicious updates: scale | signflip | random")
      ("attack-scale", po::value(&job.attack_scale)->default_value(job.attack_scale), "factor of the attack");
  // clang-format on
}

std::string registered_name(const std::string& option, const std::string& name,
                            const std::vector<std::string>& known) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return {};
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  return "--" + option + ": unknown '" + name + "' (known: " + list + ")";
}

std::string check_registered_names(const runtime::JobSpec& job) {
  if (auto why = registered_name("policy", job.policy, runtime::allocator_names()); !why.empty())
    return why;
  if (job.mode == "sync")
    if (auto why = registered_name("strategy", job.strategy, runtime::strategy_names());
        !why.empty())
      return why;
  return registered_name("node-behaviour", job.node_behaviour, runtime::node_behaviour_names());
}

}  // namespace troupe::cli
