#include "runtime/simulation/device_profile.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace troupe::runtime {
namespace {

using json = nlohmann::json;
using Kind = DeviceDistribution::Kind;

/// SplitMix64 (Steele, Lea and Flood 2014): the draws depend on the seed only,
/// not on a standard library's distribution algorithms.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A uniform draw in (0, 1) for node `i`'s value `field`.
double unit(std::uint64_t seed, int i, std::uint64_t field, std::uint64_t k = 0) {
  const auto bits = mix(mix(mix(seed ^ 0x6465766963657321ULL) + static_cast<std::uint64_t>(i)) +
                        field * 0x100 + k);
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

double draw(const DeviceDistribution& d, std::uint64_t seed, int i, std::uint64_t field) {
  switch (d.kind) {
    case Kind::fixed:
      return d.a;
    case Kind::uniform:
      return d.a + (d.b - d.a) * unit(seed, i, field);
    case Kind::lognormal: {
      // Box-Muller from two uniforms.
      const double u1 = unit(seed, i, field, 1), u2 = unit(seed, i, field, 2);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      return d.a * std::exp(d.b * z);
    }
  }
  return d.a;
}

bool positive(double x) {
  return std::isfinite(x) && x > 0.0;
}

std::string number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

DeviceDistribution parse_value(const json& v, const std::string& where) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument(where + ": " + why);
  };
  if (v.is_number()) {
    const double x = v.get<double>();
    if (!positive(x)) throw bad("expected a positive number, got " + v.dump());
    return {Kind::fixed, x, 0.0};
  }
  if (!v.is_object() || v.size() != 1)
    throw bad(
        "expected a positive number, {\"uniform\": [min, max]} or {\"lognormal\": {\"median\": m, "
        "\"sigma\": s}}, got " +
        v.dump());
  const auto first = v.begin();
  const std::string kind = first.key();
  const json& args = first.value();
  if (kind == "uniform") {
    if (!args.is_array() || args.size() != 2 || !args[0].is_number() || !args[1].is_number())
      throw bad("uniform: expected [min, max], got " + args.dump());
    const double lo = args[0].get<double>(), hi = args[1].get<double>();
    if (!positive(lo) || !positive(hi) || hi < lo)
      throw bad("uniform: expected 0 < min <= max, got " + args.dump());
    return {Kind::uniform, lo, hi};
  }
  if (kind == "lognormal") {
    if (!args.is_object() || !args.contains("median") || !args.contains("sigma") ||
        args.size() != 2 || !args["median"].is_number() || !args["sigma"].is_number())
      throw bad("lognormal: expected {\"median\": m, \"sigma\": s}, got " + args.dump());
    const double m = args["median"].get<double>(), s = args["sigma"].get<double>();
    // sigma <= 5 keeps every draw (|z| < 9) finite and positive for any finite median.
    if (!positive(m) || !std::isfinite(s) || s < 0.0 || s > 5.0)
      throw bad("lognormal: expected median > 0 and 0 <= sigma <= 5, got " + args.dump());
    return {Kind::lognormal, m, s};
  }
  throw bad("unknown distribution '" + kind + "' (known: uniform, lognormal)");
}

}  // namespace

std::string DeviceDistribution::describe() const {
  switch (kind) {
    case Kind::fixed:
      return number(a);
    case Kind::uniform:
      return "uniform(" + number(a) + ", " + number(b) + ")";
    case Kind::lognormal:
      return "lognormal(median " + number(a) + ", sigma " + number(b) + ")";
  }
  return number(a);
}

std::vector<std::string> device_profile_names() {
  return {"uniform", "stragglers", "heavy-tail"};
}

DeviceProfile builtin_device_profile(const std::string& name) {
  // The reference device: 1,000 examples/s and an 80 Mbit/s link with 20 ms
  // latency (our choice, a mid-range phone on Wi-Fi; not fitted to a trace).
  DeviceProfile p;
  p.name = name;
  if (name == "uniform") return p;
  if (name == "stragglers") {  // as the lean-nodes issue defines it: 30 % of nodes 4x slower
    p.straggler_fraction = 0.3;
    p.straggler_slowdown = 4.0;
    return p;
  }
  if (name == "heavy-tail") {
    // Log-normal compute and bandwidth around the reference device. FedScale's
    // device traces are heavy-tailed; sigma 1 is our choice, not fitted to them.
    p.examples_per_s = {Kind::lognormal, 1000.0, 1.0};
    p.bandwidth_mbps = {Kind::lognormal, 80.0, 1.0};
    return p;
  }
  std::string known;
  for (const auto& n : device_profile_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown device profile '" + name + "' (built-in: " + known +
                              "; or a JSON file)");
}

DeviceProfile load_device_profile(const std::string& name_or_file) {
  const auto names = device_profile_names();
  if (std::find(names.begin(), names.end(), name_or_file) != names.end())
    return builtin_device_profile(name_or_file);
  std::ifstream in(name_or_file);
  if (!in) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("device profile '" + name_or_file + "': not a built-in profile (" +
                                known + ") and no file of that name can be read");
  }
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {  // a syntax error, or a number out of range
    throw std::invalid_argument(name_or_file + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw std::invalid_argument(name_or_file + ": expected a JSON object");
  DeviceProfile p = builtin_device_profile("uniform");
  p.name = name_or_file;
  for (const auto& [key, value] : doc.items()) {
    const auto where = name_or_file + ": '" + key + "'";
    if (key == "examples_per_s") {
      p.examples_per_s = parse_value(value, where);
    } else if (key == "bandwidth_mbps") {
      p.bandwidth_mbps = parse_value(value, where);
    } else if (key == "latency_ms") {
      p.latency_ms = parse_value(value, where);
    } else if (key == "stragglers") {
      if (!value.is_object())
        throw std::invalid_argument(where + ": expected {\"fraction\": f, \"slowdown\": s}");
      const bool both = value.size() == 2 && value.contains("fraction") &&
                        value.contains("slowdown") && value["fraction"].is_number() &&
                        value["slowdown"].is_number();
      if (!both)
        throw std::invalid_argument(where + ": expected {\"fraction\": f, \"slowdown\": s}, got " +
                                    value.dump());
      p.straggler_fraction = value["fraction"].get<double>();
      p.straggler_slowdown = value["slowdown"].get<double>();
      if (!(p.straggler_fraction >= 0.0 && p.straggler_fraction <= 1.0))
        throw std::invalid_argument(where + ": fraction must lie in [0, 1], got " + value.dump());
      if (!(std::isfinite(p.straggler_slowdown) && p.straggler_slowdown >= 1.0))
        throw std::invalid_argument(where + ": slowdown must be >= 1, got " + value.dump());
    } else {
      throw std::invalid_argument(
          where + ": unknown key (known: examples_per_s, bandwidth_mbps, latency_ms, stragglers)");
    }
  }
  return p;
}

std::vector<NodeDevice> draw_devices(const DeviceProfile& profile, int nodes, std::uint64_t seed) {
  std::vector<NodeDevice> out(static_cast<std::size_t>(std::max(0, nodes)));
  for (int i = 0; i < nodes; ++i) {
    auto& d = out[static_cast<std::size_t>(i)];
    d.examples_per_s = draw(profile.examples_per_s, seed, i, 1);
    d.bytes_per_s = draw(profile.bandwidth_mbps, seed, i, 2) * 1e6 / 8.0;
    d.latency_s = draw(profile.latency_ms, seed, i, 3) / 1000.0;
  }
  // Exactly round(fraction x nodes) stragglers, chosen by a seeded shuffle.
  const auto count = static_cast<int>(std::lround(profile.straggler_fraction * nodes));
  std::vector<int> order(out.size());
  std::iota(order.begin(), order.end(), 0);
  for (int i = nodes - 1; i > 0; --i) {
    const auto j =
        static_cast<int>(mix(seed ^ 0x73747261676c6572ULL ^ mix(static_cast<std::uint64_t>(i))) %
                         static_cast<std::uint64_t>(i + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  for (int k = 0; k < count && k < nodes; ++k) {
    auto& d = out[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])];
    d.straggler = true;
    d.examples_per_s /= profile.straggler_slowdown;
  }
  for (int i = 0; i < nodes; ++i) {
    const auto& d = out[static_cast<std::size_t>(i)];
    if (!positive(d.examples_per_s) || !positive(d.bytes_per_s) || !positive(d.latency_s))
      throw std::invalid_argument("device profile " + profile.name + ": node-" +
                                  std::to_string(i + 1) +
                                  " drew a speed, bandwidth or latency that is not a positive "
                                  "finite number (extreme values?)");
  }
  return out;
}

double transfer_seconds(const NodeDevice& device, std::uint64_t bytes) {
  return device.latency_s + static_cast<double>(bytes) / device.bytes_per_s;
}

double train_seconds(const NodeDevice& device, std::int64_t examples) {
  return static_cast<double>(std::max<std::int64_t>(0, examples)) / device.examples_per_s;
}

double eval_seconds(const NodeDevice& device, std::int64_t examples) {
  return train_seconds(device, examples) / 3.0;
}

}  // namespace troupe::runtime
