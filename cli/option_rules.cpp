#include "cli/option_rules.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include "runtime/core/job_fields.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// Options and the one reason they do not apply.
struct Rule {
  std::vector<const char*> options;
  std::string why;
};

/// Job options that only one kind of command uses.
std::vector<Rule> command_rules(const std::string& command) {
  if (command == "submit")
    return {{{"slow-nodes", "slow-factor"},
             "it makes stragglers of troupe run's embedded nodes; in a cluster a node is "
             "started as a straggler itself: troupe node --slow-factor F"},
            {{"malicious", "attack", "attack-scale"},
             "it makes attackers of troupe run's embedded nodes; in a cluster a node is "
             "started as an attacker itself: troupe node --attack NAME --attack-scale F"}};
  if (command == "run")
    return {{{"min-nodes", "join-timeout"},
             "troupe run starts its --nodes nodes itself and waits for none; these are for a "
             "cluster (troupe submit)"},
            {{"priority", "preempt"},
             "troupe run runs its one job at once; --priority and --preempt order the jobs "
             "of a scheduler (troupe submit)"}};
  return {};
}

/// Job options that only some collaboration modes use.
std::vector<Rule> mode_rules(runtime::Mode mode) {
  using runtime::Mode;
  if (mode == Mode::sync)
    return {{{"async-alpha", "staleness", "staleness-a", "staleness-b", "buffer-size",
              "max-staleness", "event-log"},
             "it belongs to the asynchronous modes (--mode async or buffered)"}};
  std::vector<Rule> rules{
      {{"strategy", "clip-norm", "server-momentum", "beta1", "beta2", "tau", "trim-fraction",
        "byzantine", "multi-krum"},
       "the asynchronous modes mix each update in as it arrives (FedAsync) or through "
       "FedBuff's buffer; no aggregation strategy runs (it is --mode sync's)"},
      {{"policy"},
       "the asynchronous modes give each node its next task as soon as it is free; no "
       "allocation policy places tasks (it is --mode sync's)"},
      {{"clients-per-round", "over-selection", "round-deadline", "min-updates",
        "allow-partial-rounds", "backup-after", "task-deadline"},
       "the asynchronous modes have no rounds to close (it is --mode sync's)"}};
  if (mode == Mode::async)
    rules.push_back({{"buffer-size", "server-lr"},
                     "FedAsync mixes each update in with --async-alpha; the buffer and its "
                     "server learning rate are FedBuff's (--mode buffered)"});
  else
    rules.push_back({{"async-alpha"},
                     "FedBuff applies its buffer with --server-lr; --async-alpha is FedAsync's "
                     "(--mode async)"});
  return rules;
}

/// An option that only acts together with another: (option, what it needs, why).
struct Needs {
  const char* option;
  std::vector<const char*> any_of;  ///< given ones of these make it apply
  const char* why;
};

const std::vector<Needs>& needs_rules() {
  static const std::vector<Needs> rules{
      {"slow-factor", {"slow-nodes"}, "it sets how slow the --slow-nodes stragglers are"},
      {"attack", {"malicious"}, "it sets what the --malicious nodes send"},
      {"attack-scale", {"malicious"}, "it sets the factor of the --malicious nodes' attack"},
      {"over-selection", {"clients-per-round"}, "it adds tasks on top of --clients-per-round"},
      {"min-updates", {"round-deadline"}, "it is the least a --round-deadline may close with"},
      {"checkpoint-every",
       {"checkpoint-dir", "resume"},
       "it spaces the checkpoints written into --checkpoint-dir (or --resume's directory)"}};
  return rules;
}

/// The job options troupe train acts on: it trains one model on all the data
/// in one place, so the federation's options (collaboration, robustness,
/// cluster, evaluation on the nodes) would act on nothing. The job's shape
/// (--nodes and the split) is accepted, so that a run's options give its
/// baseline unchanged; the baseline trains on all of the data whatever the
/// split. (Checkpoints and --dp are refused by train itself, with their own
/// reasons.)
bool train_uses(const std::string& flag) {
  static const std::set<std::string> used{"name",
                                          "rounds",
                                          "model",
                                          "model-file",
                                          "input-shape",
                                          "classes",
                                          "local-epochs",
                                          "local-steps",
                                          "batch-size",
                                          "lr",
                                          "momentum",
                                          "seed",
                                          "nodes",
                                          "partition",
                                          "alpha",
                                          "labels-per-node",
                                          "threads",
                                          "device",
                                          "data-dir",
                                          "train-limit",
                                          "test-limit",
                                          "test-data",
                                          "checkpoint-dir",
                                          "resume",
                                          "dp",
                                          "dp-noise-multiplier",
                                          "dp-clip-norm",
                                          "dp-adaptive-clip",
                                          "dp-delta",
                                          "dp-target-epsilon",
                                          "dp-reproducible-noise"};
  return used.count(flag) > 0;
}

/// The first job option given to troupe train that it does not use.
std::string train_rule(const runtime::JobSpec& job, const po::variables_map& vm) {
  std::string found;
  runtime::for_each_field(job, [&](const runtime::JobField& field, const auto&) {
    if (found.empty() && !train_uses(field.flag) && given(vm, field.flag)) found = field.flag;
  });
  if (found.empty()) return {};
  return "--" + found +
         " does not apply to troupe train: it trains one model on all the data in one place (the "
         "federation's baseline); --" +
         found + " is an option of the federation (troupe run, troupe submit)";
}

/// Built-in strategies and the strategy options each reads; a strategy a
/// plugin registers may read any of them, so it is not checked.
const std::vector<std::pair<const char*, std::vector<const char*>>>& strategy_params() {
  static const std::vector<std::pair<const char*, std::vector<const char*>>> params{
      {"server-lr", {"fedavgm", "fedadam", "fedyogi", "fedadagrad"}},
      {"server-momentum", {"fedavgm"}},
      {"beta1", {"fedadam", "fedyogi", "fedadagrad"}},
      {"beta2", {"fedadam", "fedyogi"}},
      {"tau", {"fedadam", "fedyogi", "fedadagrad"}},
      {"trim-fraction", {"trimmed-mean"}},
      {"byzantine", {"krum", "multi-krum"}},
      {"multi-krum", {"multi-krum"}}};
  return params;
}

/// A given option that the job's choices leave unused (the split, the
/// staleness function, the strategy, the node behaviour), and why.
std::string value_rules(const runtime::JobSpec& job, const po::variables_map& vm) {
  using runtime::Partition;
  const auto partition = runtime::to_string(job.data.partition);
  if (given(vm, "alpha") && job.data.partition != Partition::dirichlet)
    return "--alpha does not apply with --partition " + partition +
           ": it is the concentration of --partition dirichlet";
  if (given(vm, "labels-per-node") && job.data.partition != Partition::labels)
    return "--labels-per-node does not apply with --partition " + partition +
           ": it sets the labels of each shard of --partition labels";
  using runtime::Staleness;
  const auto staleness = job.async.staleness;
  const std::string function = "--staleness " + runtime::to_string(staleness);
  if (job.collab.mode != runtime::Mode::sync) {
    if (given(vm, "staleness-a") && staleness == Staleness::constant)
      return "--staleness-a does not apply with " + function +
             ": it is the polynomial exponent or the hinge slope";
    if (given(vm, "staleness-b") && staleness != Staleness::hinge)
      return "--staleness-b does not apply with " + function +
             ": it is the staleness --staleness hinge tolerates without discount";
  }
  if (job.collab.mode == runtime::Mode::sync) {
    static const std::set<std::string> built_in{"fedadagrad", "fedadam",      "fedavg",  "fedavgm",
                                                "fedprox",    "fedyogi",      "krum",    "median",
                                                "multi-krum", "trimmed-mean", "weighted"};
    const auto& strategy = job.collab.strategy;
    if (built_in.count(strategy) > 0)
      for (const auto& [option, readers] : strategy_params()) {
        if (!given(vm, option) || std::any_of(readers.begin(), readers.end(),
                                              [&](const char* name) { return strategy == name; }))
          continue;
        std::string names;
        for (const char* name : readers) names += (names.empty() ? "" : ", ") + std::string(name);
        return std::string("--") + option + " does not apply with --strategy " + strategy +
               ": it is read by " + names + " only";
      }
  }
  if (job.cluster.node_behaviour != "distill")
    for (const char* option :
         {"public-examples", "distill-weight", "distill-temperature", "distill-eval"})
      if (given(vm, option))
        return std::string("--") + option +
               " does not apply without --node-behaviour distill: it configures federated "
               "distillation";
  return {};
}

}  // namespace

bool given(const po::variables_map& vm, const std::string& option) {
  return vm.count(option) > 0 && !vm[option].defaulted();
}

std::string inapplicable_option(const std::string& command, const runtime::JobSpec& job,
                                const po::variables_map& vm) {
  if (command == "train")
    if (auto why = train_rule(job, vm); !why.empty()) return why;
  for (const auto& rule : command_rules(command))
    for (const char* option : rule.options)
      if (given(vm, option))
        return std::string("--") + option + " does not apply to troupe " + command + ": " +
               rule.why;
  const std::string mode = runtime::to_string(job.collab.mode);
  for (const auto& rule : mode_rules(job.collab.mode))
    for (const char* option : rule.options)
      if (given(vm, option))
        return std::string("--") + option + " does not apply in --mode " + mode + ": " + rule.why;
  // On submit the embedded-only options were refused above already.
  for (const auto& rule : needs_rules()) {
    if (!given(vm, rule.option)) continue;
    bool partner = false;
    std::string names;
    for (const char* other : rule.any_of) {
      partner = partner || given(vm, other);
      names += std::string(names.empty() ? "--" : " or --") + other;
    }
    if (!partner)
      return std::string("--") + rule.option + " does not apply without " + names + ": " + rule.why;
  }
  if (auto why = value_rules(job, vm); !why.empty()) return why;
  if (given(vm, "local-test-fraction") && job.eval.mode == runtime::EvalMode::central)
    return "--local-test-fraction does not apply with --eval central: it sets the part of each "
           "node's examples held out for --eval federated or both";
  // --dp none (the default) switches differential privacy off: its parameters then act on nothing.
  if (job.privacy.mode == runtime::DpMode::none)
    for (const char* option : {"dp-noise-multiplier", "dp-clip-norm", "dp-adaptive-clip",
                               "dp-delta", "dp-target-epsilon", "dp-reproducible-noise"})
      if (given(vm, option))
        return std::string("--") + option +
               " does not apply without --dp central, local or distributed: differential privacy "
               "is off";
  return {};
}

}  // namespace troupe::cli
