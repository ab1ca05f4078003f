#pragma once
/// \file
/// What a node has (cores, memory, GPUs, disk) and what it uses right now
/// (CPU, resident memory, free memory). Read from /proc, statvfs and the CUDA
/// runtime; sent on registration and with every heartbeat.

#include <cstdint>
#include <string>
#include <vector>

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

/// Live use, sent with heartbeats.
struct NodeUsage {
  double cpu_utilisation =
      0.0;                ///< process CPU time / wall time since the last sample, per core (0..1)
  std::uint64_t rss = 0;  ///< bytes resident
  std::uint64_t memory_available = 0;  ///< bytes available system-wide
};

/// GPUs visible through the CUDA runtime; empty (with `note` set) when troupe
/// was built without CUDA or no device/driver is present.
std::vector<GpuInfo> probe_gpus(std::string* note);

/// Probes this machine; `data_dir` is where disk space is measured.
NodeResources probe_resources(const std::string& data_dir);

/// Samples process CPU use between calls, and memory.
class UsageSampler {
 public:
  UsageSampler();
  NodeUsage sample();

 private:
  double last_cpu_s_;
  double last_wall_s_;
};

/// Resident set size of this process in bytes (0 when unknown).
std::uint64_t process_rss();

/// Seconds since this process started (from /proc/self/stat; 0 when unknown).
double process_uptime();

}  // namespace troupe::runtime
