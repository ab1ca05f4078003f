#include "runtime/system/live_capacity.hpp"

#include <algorithm>
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

std::string cannot_meet(const NodeResources& resources, const NodeUsage& usage,
                        const JobDemand& demand) {
  if (demand.cpu > 0.0 && resources.cores > 0 && resources.cores < demand.cpu) {
    char text[96];
    std::snprintf(text, sizeof text, "%d cores < %g needed (--demand cpu)", resources.cores,
                  demand.cpu);
    return text;
  }
  const auto memory = usage.memory_available ? usage.memory_available : resources.memory_available;
  if (demand.memory > 0 && memory != 0 && memory < demand.memory)
    return "available memory " + format_bytes(memory) + " < " + format_bytes(demand.memory) +
           " needed (--demand memory)";
  if (demand.gpu_memory > 0) {
    std::uint64_t best = 0;  // the most free memory on one GPU
    for (std::size_t i = 0; i < resources.gpus.size(); ++i) {
      std::uint64_t free = resources.gpus[i].memory_free;
      if (i < usage.gpus.size() && usage.gpus[i].memory_total > 0)
        free = usage.gpus[i].memory_total -
               std::min(usage.gpus[i].memory_used, usage.gpus[i].memory_total);
      best = std::max(best, free);
    }
    if (resources.gpus.empty()) return "no GPU (--demand gpu-memory)";
    if (best < demand.gpu_memory)
      return "no GPU with " + format_bytes(demand.gpu_memory) + " free (the most is " +
             format_bytes(best) + "; --demand gpu-memory)";
  }
  return {};
}

}  // namespace troupe::runtime
