#include "runtime/system/resources.hpp"

#include "runtime/system/cgroup_limits.hpp"
#include "runtime/system/traffic.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace troupe::runtime {
namespace {

/// The start of a small file of the kernel's (at most `n` - 1 bytes of it),
/// NUL-terminated in `buf`; false when it cannot be read. Plain read(2) calls
/// (one, for these files): every heartbeat reads two such files, and a
/// std::ifstream (its locale and buffers) cost a node process more than the
/// kernel's side of the read.
bool read_small_file(const char* path, char* buf, std::size_t n) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t got = 0;
  while (got + 1 < n) {
    const auto r = read(fd, buf + got, n - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  close(fd);
  buf[got] = '\0';
  return got > 0;
}

/// A field of /proc/meminfo in bytes (0 when missing).
std::uint64_t meminfo(const std::string& key) {
  char text[8192];
  if (!read_small_file("/proc/meminfo", text, sizeof text)) return 0;
  const auto field = "\n" + key + ":";  // at a line's start, colon included
  const char* at = nullptr;
  if (std::strncmp(text, field.c_str() + 1, field.size() - 1) == 0) {
    at = text + field.size() - 1;  // the first line
  } else {
    at = std::strstr(text, field.c_str());
    if (!at) return 0;
    at += field.size();
  }
  return std::strtoull(at, nullptr, 10) * 1024;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int online_cpus() {
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

/// The machine's available memory, or less when the process's group allows less.
std::uint64_t available_memory(const CgroupLimits& limits) {
  const auto machine = meminfo("MemAvailable");
  return limits.memory_available ? std::min(machine, *limits.memory_available) : machine;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::uint64_t memory_available_now() {
  return available_memory(cgroup_limits());
}

std::uint64_t process_rss() {
  char text[256];
  if (!read_small_file("/proc/self/statm", text, sizeof text)) return 0;
  char* end = nullptr;
  std::strtoull(text, &end, 10);  // the size, then the resident pages
  if (end == text) return 0;
  return std::strtoull(end, nullptr, 10) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

double process_uptime() {
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Field 22 (starttime, in clock ticks since boot) follows the ')' that ends the command name.
  const auto close = content.rfind(')');
  if (close == std::string::npos) return 0.0;
  std::istringstream fields(content.substr(close + 2));
  std::string field;
  unsigned long long start_ticks = 0;
  for (int i = 3; i <= 22 && fields >> field; ++i)
    if (i == 22) start_ticks = std::stoull(field);
  std::ifstream up("/proc/uptime");
  double uptime = 0.0;
  if (!(up >> uptime)) return 0.0;
  return uptime - static_cast<double>(start_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

NodeResources probe_resources(const std::string& data_dir) {
  NodeResources r;
  // What the node may use, not what the machine has (runtime/system/cgroup_limits.hpp).
  const auto limits = cgroup_limits();
  r.cores = usable_cores(limits, online_cpus(), affinity_cpus());
  r.memory_total = meminfo("MemTotal");
  if (limits.memory) r.memory_total = std::min(r.memory_total, *limits.memory);
  r.memory_available = available_memory(limits);
  r.disk_free = disk_free(data_dir);
  r.gpus = probe_gpus(&r.gpu_note);
  return r;
}

std::uint64_t disk_free(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(path.empty() ? "." : path.c_str(), &fs) != 0) return 0;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

UsageSampler::UsageSampler(std::string disk_path, std::shared_ptr<const TrafficMeter> traffic)
    : last_cpu_s_(process_cpu_seconds()),
      last_wall_s_(wall_seconds()),
      disk_path_(std::move(disk_path)),
      traffic_(std::move(traffic)) {}

NodeUsage UsageSampler::sample() {
  NodeUsage u;
  const double cpu = process_cpu_seconds();
  const double wall = wall_seconds();
  // Under a memory limit its group's usage is read every time: the room left
  // changes with every sample.
  if (limits_read_s_ < 0.0 || limits_.memory_available ||
      wall - limits_read_s_ >= kLimitsRefreshS || wall < limits_read_s_) {
    limits_ = cgroup_limits();
    cores_ = usable_cores(limits_, online_cpus(), affinity_cpus());
    limits_read_s_ = wall;
  }
  const auto& limits = limits_;
  const double cores = cores_;
  if (wall > last_wall_s_) u.cpu_utilisation = (cpu - last_cpu_s_) / (wall - last_wall_s_) / cores;
  last_cpu_s_ = cpu;
  last_wall_s_ = wall;
  u.rss = process_rss();
  u.memory_available = available_memory(limits);
  u.disk_free = disk_free(disk_path_);
  u.gpus = sample_gpus();
  if (traffic_) {
    u.bytes_sent = traffic_->sent();
    u.bytes_received = traffic_->received();
    u.transfer_rate = traffic_->transfer_rate();
  }
  return u;
}

}  // namespace troupe::runtime
