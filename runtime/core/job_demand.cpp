#include "runtime/core/job_demand.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace troupe::runtime {
namespace {

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

}  // namespace

std::optional<JobDemand> parse_job_demand(const std::string& text, std::string& error) {
  JobDemand demand;
  std::istringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "cpu") {
      const auto cores = number(value);
      if (!cores) {
        error = "--demand cpu= takes a number of cores >= 0, got '" + value + "'";
        return std::nullopt;
      }
      demand.cpu = *cores;
    } else if (key == "memory" || key == "gpu-memory") {
      const auto bytes = size(value);
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
