#include "runtime/system/live_capacity.hpp"

#include <cstdio>

namespace troupe::runtime {
namespace {

std::string mib(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

}  // namespace

std::string cannot_hold(const NodeResources& resources, const NodeUsage& usage,
                        const HoldNeed& need) {
  const auto memory = usage.memory_available ? usage.memory_available : resources.memory_available;
  const auto disk = usage.disk_free ? usage.disk_free : resources.disk_free;
  if (memory != 0 && memory < need.memory)
    return "free memory " + mib(memory) + " < " + mib(need.memory) + " needed";
  if (disk != 0 && disk < need.disk)
    return "free disk " + mib(disk) + " < " + mib(need.disk) + " needed";
  return {};
}

}  // namespace troupe::runtime
