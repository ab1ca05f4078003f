#include "cli/option_rules.hpp"

#include <vector>

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
             "cluster (troupe submit)"}};
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
        "allow-partial-rounds"},
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

}  // namespace

bool given(const po::variables_map& vm, const std::string& option) {
  return vm.count(option) > 0 && !vm[option].defaulted();
}

std::string inapplicable_option(const std::string& command, const runtime::JobSpec& job,
                                const po::variables_map& vm) {
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
