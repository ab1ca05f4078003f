#pragma once
/// \file
/// Device profiles for the virtual clock (`troupe run --clock virtual
/// --device-profile NAME|FILE`), as FedScale evaluates time to accuracy: each
/// node gets a compute speed and a link (bandwidth, latency), fixed or drawn
/// from a distribution with the job's seed, and a task's virtual duration
/// follows from them. Pure and deterministic: the same profile, node count and
/// seed give the same devices on every machine.
///
/// A profile file is a JSON object; every key is optional (missing ones keep
/// the `uniform` profile's value) and an unknown key is an error:
///
///     {"examples_per_s": 1000,
///      "bandwidth_mbps": {"lognormal": {"median": 80, "sigma": 1.0}},
///      "latency_ms": {"uniform": [10, 50]},
///      "stragglers": {"fraction": 0.3, "slowdown": 4}}
///
/// A value is a positive number or one of {"uniform": [min, max]} and
/// {"lognormal": {"median": m, "sigma": s}}.

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::runtime {

/// A per-node value: fixed, or drawn for each node.
struct DeviceDistribution {
  enum class Kind { fixed, uniform, lognormal };
  Kind kind = Kind::fixed;
  double a = 1.0;  ///< fixed: the value; uniform: the minimum; lognormal: the median
  double b = 0.0;  ///< uniform: the maximum; lognormal: sigma of the log
  /// "1000", "uniform(10, 50)", "lognormal(median 80, sigma 1)".
  std::string describe() const;
};

struct DeviceProfile {
  std::string name;  ///< a built-in profile's name or the file it was read from
  DeviceDistribution examples_per_s{DeviceDistribution::Kind::fixed, 1000.0, 0.0};
  DeviceDistribution bandwidth_mbps{DeviceDistribution::Kind::fixed, 80.0, 0.0};
  DeviceDistribution latency_ms{DeviceDistribution::Kind::fixed, 20.0, 0.0};
  /// This share of the nodes (chosen with the seed) computes `slowdown` times slower.
  double straggler_fraction = 0.0;
  double straggler_slowdown = 1.0;
};

/// One node's device, drawn from a profile.
struct NodeDevice {
  double examples_per_s = 1000.0;  ///< training throughput (forward and backward)
  double bytes_per_s = 10e6;       ///< link bandwidth, each direction
  double latency_s = 0.02;         ///< one way, per message
  bool straggler = false;
};

/// "uniform", "stragglers", "heavy-tail".
std::vector<std::string> device_profile_names();

/// A built-in profile; throws std::invalid_argument naming the known ones.
DeviceProfile builtin_device_profile(const std::string& name);

/// A built-in profile by name, else the JSON file at `name_or_file`. Throws
/// std::invalid_argument (unknown name, unreadable file, malformed JSON,
/// unknown key, a value that is not positive and finite).
DeviceProfile load_device_profile(const std::string& name_or_file);

/// The devices of nodes 1..`nodes` (index 0 is node-1), drawn with `seed`.
std::vector<NodeDevice> draw_devices(const DeviceProfile& profile, int nodes, std::uint64_t seed);

/// Virtual seconds to send `bytes` over the node's link: latency + bytes / bandwidth.
double transfer_seconds(const NodeDevice& device, std::uint64_t bytes);
/// Virtual seconds to train on `examples` examples (repeats over epochs counted).
double train_seconds(const NodeDevice& device, std::int64_t examples);
/// Virtual seconds to evaluate `examples` examples: a forward pass counts as
/// a third of a training step (forward and backward take about 3x the forward
/// pass's arithmetic: Kaplan et al. 2020, "Scaling Laws for Neural Language
/// Models", section 2.1, 2N forward vs 6N training FLOPs per token).
double eval_seconds(const NodeDevice& device, std::int64_t examples);

}  // namespace troupe::runtime
