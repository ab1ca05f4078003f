#pragma once
/// \file
/// What a node has (cores, memory, GPUs, disk) and what it uses right now
/// (CPU, resident memory, free memory). Read from /proc, statvfs and NVML
/// (runtime/system/nvml.hpp); sent on registration and with every heartbeat.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/system/cgroup_limits.hpp"

namespace troupe::runtime {

struct GpuInfo {
  std::string name;
  std::uint64_t memory_total = 0;  ///< bytes
  std::uint64_t memory_free = 0;   ///< bytes
};

/// Capacity of a node, announced when it joins.
struct NodeResources {
  int cores = 0;
  std::uint64_t memory_total = 0;      ///< bytes
  std::uint64_t memory_available = 0;  ///< bytes, at probe time
  std::uint64_t disk_free = 0;         ///< bytes free where the node's data lives
  std::vector<GpuInfo> gpus;
  std::string gpu_note;  ///< why no GPU is listed, when none is
};

/// Live use of one GPU.
struct GpuUsage {
  double utilisation = -1.0;       ///< busy fraction (0..1); -1 when unknown (no NVML)
  std::uint64_t memory_used = 0;   ///< bytes
  std::uint64_t memory_total = 0;  ///< bytes
};

/// Live use, sent with heartbeats. Zero means "not measured" for the byte
/// fields (a node that cannot read /proc or statvfs still works).
struct NodeUsage {
  double cpu_utilisation =
      0.0;                ///< process CPU time / wall time since the last sample, per core (0..1)
  std::uint64_t rss = 0;  ///< bytes resident
  std::uint64_t memory_available = 0;  ///< bytes available system-wide
  std::uint64_t disk_free = 0;         ///< bytes free where the node's data lives
  std::vector<GpuUsage> gpus;          ///< one per visible GPU
  std::uint64_t bytes_sent = 0;        ///< model bytes this process sent since it started
  std::uint64_t bytes_received = 0;    ///< model bytes this process received since it started
  double transfer_rate = 0.0;          ///< bytes/s of the latest model fetch; 0 when none yet
};

/// GPUs visible through NVML (name, total and free memory); empty, with `note`
/// set, when no NVIDIA driver or no device is present.
std::vector<GpuInfo> probe_gpus(std::string* note);

/// Probes this machine; `data_dir` is where disk space is measured.
NodeResources probe_resources(const std::string& data_dir);

/// Live use of the GPUs through NVML (utilisation and memory); empty without it.
std::vector<GpuUsage> sample_gpus();

/// Free bytes of the file system holding `path` (0 when unknown).
std::uint64_t disk_free(const std::string& path);

class TrafficMeter;

/// Samples process CPU use between calls, memory, disk, GPUs and traffic.
class UsageSampler {
 public:
  /// `disk_path`: where free disk is measured; `traffic`: the process's byte
  /// counters (may be null).
  explicit UsageSampler(std::string disk_path = ".",
                        std::shared_ptr<const TrafficMeter> traffic = nullptr);
  NodeUsage sample();

 private:
  double last_cpu_s_;
  double last_wall_s_;
  /// The cgroup's limits and the usable cores, read again at most every
  /// kLimitsRefreshS: reading them walks /proc and /sys, and a node samples at
  /// every traffic report, once a round. Limits change rarely (a container
  /// resized by hand). Under a memory limit they are read at every sample, since
  /// the memory left to the group comes with them.
  CgroupLimits limits_;
  int cores_ = 1;  ///< usable cores under limits_ and the affinity mask
  double limits_read_s_ = -1.0;
  static constexpr double kLimitsRefreshS = 10.0;
  std::string disk_path_;
  std::shared_ptr<const TrafficMeter> traffic_;
};

/// Bytes of memory available to this process now: the machine's
/// MemAvailable, or less when its cgroup allows less (0 when unknown).
std::uint64_t memory_available_now();

/// Resident set size of this process in bytes (0 when unknown).
std::uint64_t process_rss();

/// Seconds since this process started (from /proc/self/stat; 0 when unknown).
double process_uptime();

}  // namespace troupe::runtime
