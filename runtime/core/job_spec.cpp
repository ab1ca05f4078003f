#include "runtime/core/job_spec.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "runtime/core/secure_aggregation_options.hpp"

namespace troupe::runtime {
namespace {

bool positive(double v) {
  return v > 0.0 && std::isfinite(v);
}
bool non_negative(double v) {
  return v >= 0.0 && std::isfinite(v);
}
bool in_unit(double v) {
  return v >= 0.0 && v < 1.0;
}

}  // namespace

std::string DataOptions::validate() const {
  if (labels_per_node < 1 || labels_per_node > 10) return "--labels-per-node must be in 1..10";
  if (!positive(alpha)) return "--alpha must be a positive number";
  if (train_limit < 0 || test_limit < 0)
    return "--train-limit and --test-limit must not be negative";
  if (examples_per_node < 0) return "--examples-per-node must not be negative";
  if (examples_per_node > 0 && partition != Partition::iid)
    return "--examples-per-node does not apply with --partition " + to_string(partition) +
           ": it draws each node's sample uniformly";
  return {};
}

std::string LocalTraining::validate() const {
  if (local_epochs < 1) return "--local-epochs must be at least 1";
  if (local_steps < 0) return "--local-steps must not be negative";
  if (batch_size < 1) return "--batch-size must be at least 1";
  if (!positive(lr)) return "--lr must be a positive number";
  if (!in_unit(momentum)) return "--momentum must be in [0, 1)";
  if (!non_negative(prox_mu)) return "--prox-mu must not be negative";
  return {};
}

std::string ComputeOptions::validate() const {
  if (threads < 1) return "--threads must be at least 1";
  return {};
}

std::string ClusterOptions::validate() const {
  if (node_behaviour.empty()) return "--node-behaviour must not be empty";
  if (!(task_timeout_s > 0.0 && task_timeout_s <= 1e9))
    return "--task-timeout must be positive and at most 1e9 seconds";
  if (min_nodes < 1) return "--min-nodes must be at least 1";
  if (!(join_timeout_s >= 0.0)) return "--join-timeout must not be negative";
  if (!(priority >= 0.0 && std::isfinite(priority)))
    return "--priority must be a finite number >= 0";
  if (!(deadline_s >= 0.0 && std::isfinite(deadline_s)))
    return "--deadline must be a finite number of seconds >= 0 (0: none)";
  std::string why;
  if (!parse_job_demand(demand, why)) return why;
  return {};
}

std::string DistillOptions::validate() const {
  if (public_examples < 1) return "--public-examples must be at least 1";
  if (!non_negative(weight)) return "--distill-weight must not be negative";
  if (!positive(temperature)) return "--distill-temperature must be positive";
  return {};
}

std::string EvalOptions::validate() const {
  if (!(local_test_fraction > 0.0 && local_test_fraction < 1.0))
    return "--local-test-fraction must be in (0, 1)";
  return {};
}

std::string CollaborationOptions::validate() const {
  const auto& o = strategy_options;
  if (!positive(o.server_lr)) return "--server-lr must be positive";
  if (!in_unit(o.server_momentum)) return "--server-momentum must be in [0, 1)";
  if (!in_unit(o.beta1) || !in_unit(o.beta2)) return "--beta1 and --beta2 must be in [0, 1)";
  if (!(o.tau > 0.0)) return "--tau must be positive";
  if (!(o.trim_fraction >= 0.0 && o.trim_fraction < 0.5))
    return "--trim-fraction must be in [0, 0.5)";
  if (o.byzantine < 0 || o.multi_krum < 0)
    return "--byzantine and --multi-krum must not be negative";
  if (!non_negative(o.clip_norm)) return "--clip-norm must not be negative";
  return {};
}

std::string SyncRoundOptions::validate(int nodes) const {
  if (clients_per_round < 0) return "--clients-per-round must not be negative";
  if (clients_per_round > nodes) return "--clients-per-round must not exceed --nodes";
  if (!(over_selection >= 0.0 && over_selection <= 10.0))
    return "--over-selection must be in [0, 10]";
  if (!(round_deadline_s >= 0.0)) return "--round-deadline must not be negative";
  if (min_updates < 1) return "--min-updates must be at least 1";
  if (!(backup_after == 0.0 || (backup_after >= 1.0 && std::isfinite(backup_after))))
    return "--backup-after must be 0 (no backup tasks) or at least 1 (times the median task time)";
  if (!(task_deadline_s >= 0.0 && std::isfinite(task_deadline_s)))
    return "--task-deadline must be 0 (none) or a positive number of seconds";
  return {};
}

std::string AsyncModeOptions::validate() const {
  if (!(alpha > 0.0 && alpha <= 1.0)) return "--async-alpha must be in (0, 1]";
  if (!non_negative(staleness_a)) return "--staleness-a must not be negative";
  if (!non_negative(staleness_b)) return "--staleness-b must not be negative";
  if (buffer_size < 1) return "--buffer-size must be at least 1";
  if (max_staleness < 0) return "--max-staleness must not be negative";
  return {};
}

std::string CheckpointOptions::validate() const {
  if (every < 1) return "--checkpoint-every must be at least 1";
  if (required && dir.empty() && resume.empty())
    return "--checkpoint-required needs --checkpoint-dir (or --resume)";
  return {};
}

std::string ExperimentOptions::validate(int nodes) const {
  if (slow_nodes < 0 || slow_nodes > nodes) return "--slow-nodes must be in 0..--nodes";
  if (!(slow_factor >= 1.0) || !std::isfinite(slow_factor)) return "--slow-factor must be >= 1";
  if (!(dropout >= 0.0 && dropout < 1.0)) return "--dropout must be in [0, 1)";
  if (malicious < 0 || malicious > nodes) return "--malicious must be in 0..--nodes";
  if (!std::isfinite(attack_scale)) return "--attack-scale must be finite";
  return {};
}

std::string JobSpec::validate() const {
  if (nodes < 1) return "--nodes must be at least 1";
  if (rounds < 1) return "--rounds must be at least 1";
  for (auto why : {data.validate(), train.validate(), compute.validate(), cluster.validate(),
                   distill.validate(), collab.validate(), eval.validate(), sync.validate(nodes),
                   async.validate(), experiment.validate(nodes), checkpoint.validate()})
    if (!why.empty()) return why;
  // Federated evaluation follows each synchronous round's aggregation; the
  // asynchronous modes have no point where every node holds the same model.
  if (eval.mode != EvalMode::central && collab.mode != Mode::sync)
    return "--eval federated and --eval both need --mode sync (the asynchronous modes evaluate "
           "centrally only)";
  if (sync.task_deadline_s > 0.0 && sync.task_deadline_s >= cluster.task_timeout_s) {
    std::ostringstream s;
    s << "--task-deadline " << sync.task_deadline_s << " must be below --task-timeout "
      << cluster.task_timeout_s << " (the timeout would fail the task before any backup starts)";
    return s.str();
  }
  if (auto why = privacy.validate(*this); !why.empty()) return why;
  return secure_aggregation_problem(*this);
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

namespace demand_detail {

/// A non-negative finite number that spans all of `text`.
std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() || !std::isfinite(value) || value < 0.0) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> size(std::string text) {
  double unit = 1024.0 * 1024.0;  // megabytes by default, as Slurm's --mem
  if (!text.empty()) {
    const char suffix = text.back();
    const std::string units = "KMGT";
    if (const auto at = units.find(static_cast<char>(std::toupper(suffix)));
        at != std::string::npos) {
      unit = std::pow(1024.0, static_cast<double>(at + 1));
      text.pop_back();
    }
  }
  const auto value = number(text);
  if (!value || *value * unit > 1e18) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(*value * unit));
}

}  // namespace demand_detail

std::optional<JobDemand> parse_job_demand(const std::string& text, std::string& error) {
  JobDemand demand;
  std::istringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "cpu") {
      const auto cores = demand_detail::number(value);
      if (!cores) {
        error = "--demand cpu= takes a number of cores >= 0, got '" + value + "'";
        return std::nullopt;
      }
      demand.cpu = *cores;
    } else if (key == "memory" || key == "gpu-memory") {
      const auto bytes = demand_detail::size(value);
      if (!bytes) {
        error = "--demand " + key + "= takes a size such as 512M or 4G, got '" + value + "'";
        return std::nullopt;
      }
      (key == "memory" ? demand.memory : demand.gpu_memory) = *bytes;
    } else {
      error = "--demand: unknown resource '" + key +
              "' (cpu, memory, gpu-memory; e.g. cpu=2,memory=4G,gpu-memory=8G)";
      return std::nullopt;
    }
  }
  return demand;
}

std::string format_bytes(std::uint64_t bytes) {
  char text[32];
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024.0 * 1024.0)
    std::snprintf(text, sizeof text, "%.1f GiB", b / (1024.0 * 1024.0 * 1024.0));
  else
    std::snprintf(text, sizeof text, "%.1f MiB", b / (1024.0 * 1024.0));
  return text;
}

}  // namespace troupe::runtime
