#pragma once
/// \file
/// The CPU and memory limits a Linux control group puts on this process.
/// Containers, systemd units (CPUQuota=, MemoryMax=) and Slurm's task/cgroup
/// plugin confine a process this way while /proc/meminfo and the CPU count
/// still describe the whole machine, so a node that reported those would
/// offer work it cannot do. Both cgroup versions are read: v2 (cpu.max,
/// memory.max, memory.current) and v1 (cpu.cfs_quota_us / cpu.cfs_period_us,
/// memory.limit_in_bytes, memory.usage_in_bytes). A limit set on an ancestor
/// group binds too, so the smallest along the path counts.

#include <cstdint>
#include <optional>
#include <string>

namespace troupe::runtime {

/// What the process's groups limit; unset: no limit found.
struct CgroupLimits {
  std::optional<double> cpus;           ///< CPU quota / period (1.5 = one and a half cores)
  std::optional<std::uint64_t> memory;  ///< bytes
  std::optional<std::uint64_t> memory_available;  ///< the binding group's limit minus its usage
};

/// The limits of the process whose /proc/<pid>/cgroup reads `proc_cgroup`,
/// with the cgroup file systems mounted under `root` (normally /sys/fs/cgroup;
/// a test passes a directory of its own). Files that are missing or
/// unreadable count as no limit.
CgroupLimits read_cgroup_limits(const std::string& proc_cgroup, const std::string& root);

/// This process's limits (/proc/self/cgroup under /sys/fs/cgroup).
CgroupLimits cgroup_limits();

/// The cores a node offers: the fewest of the online CPUs, those of its
/// affinity mask and its group's CPU quota rounded up; at least 1.
int usable_cores(const CgroupLimits& limits, int online, int affinity);

/// The CPUs this process may run on (its affinity mask, which cpusets and
/// `taskset` narrow), at least 1.
int affinity_cpus();

}  // namespace troupe::runtime
