#include "runtime/system/cgroup_limits.hpp"

#include <sched.h>

#include <sys/stat.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

namespace troupe::runtime {
namespace {

/// v1 writes "no limit" as the largest page-aligned signed 64-bit value
/// (9223372036854771712); anything above 2^62 bytes is taken as none.
constexpr std::uint64_t kNoLimit = 1ULL << 62;

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::optional<std::uint64_t> number(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::uint64_t> number_file(const std::string& path) {
  if (auto line = first_line(path)) return number(*line);
  return std::nullopt;
}

/// One line of /proc/<pid>/cgroup: "id:controllers:path".
struct Membership {
  std::string controllers;  ///< "" for v2, "memory", "cpu,cpuacct", ...
  std::string path;
};

std::vector<Membership> memberships(const std::string& proc_cgroup) {
  std::vector<Membership> out;
  std::istringstream in(proc_cgroup);
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    out.push_back({line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

bool lists(const std::string& controllers, const std::string& name) {
  std::istringstream in(controllers);
  std::string c;
  while (std::getline(in, c, ','))
    if (c == name) return true;
  return false;
}

/// The group's directory and its ancestors' up to the mount's root. In a
/// container with its own cgroup namespace the path may name a group of the
/// host that is not visible; then the mount's root is the container's group.
std::vector<std::string> chain(const std::string& mount, std::string path) {
  if (!is_dir(mount + path)) path = "/";
  std::vector<std::string> dirs;
  while (true) {
    dirs.push_back(path == "/" ? mount : mount + path);
    if (path == "/" || path.empty()) break;
    const auto slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return dirs;
}

void take_cpus(CgroupLimits& limits, double cpus) {
  if (cpus > 0.0 && (!limits.cpus || cpus < *limits.cpus)) limits.cpus = cpus;
}

void take_memory(CgroupLimits& limits, std::uint64_t limit, std::optional<std::uint64_t> used) {
  if (limit >= kNoLimit || (limits.memory && *limits.memory <= limit)) return;
  limits.memory = limit;
  limits.memory_available = used ? (*used < limit ? limit - *used : 0) : limit;
}

void read_v2(CgroupLimits& limits, const std::string& mount, const std::string& path) {
  for (const auto& dir : chain(mount, path)) {
    if (auto line = first_line(dir + "/cpu.max")) {
      std::istringstream fields(*line);
      std::string quota, period;
      fields >> quota >> period;
      const auto q = number(quota), p = number(period);
      if (q && p && *p > 0) take_cpus(limits, static_cast<double>(*q) / static_cast<double>(*p));
    }
    if (auto limit = number_file(dir + "/memory.max"))
      take_memory(limits, *limit, number_file(dir + "/memory.current"));
  }
}

/// v1 hierarchies are mounted per controller ("memory", or "cpu,cpuacct"
/// with a "cpu" link beside it).
std::string v1_mount(const std::string& root, const std::string& controllers,
                     const std::string& name) {
  for (const auto& dir : {root + "/" + name, root + "/" + controllers})
    if (is_dir(dir)) return dir;
  return {};
}

void read_v1(CgroupLimits& limits, const std::string& root, const Membership& m) {
  if (lists(m.controllers, "cpu"))
    if (auto mount = v1_mount(root, m.controllers, "cpu"); !mount.empty())
      for (const auto& dir : chain(mount, m.path)) {
        // A quota of -1 (no limit) does not parse as a number and is skipped.
        const auto q = number_file(dir + "/cpu.cfs_quota_us");
        const auto p = number_file(dir + "/cpu.cfs_period_us");
        if (q && p && *p > 0) take_cpus(limits, static_cast<double>(*q) / static_cast<double>(*p));
      }
  if (lists(m.controllers, "memory"))
    if (auto mount = v1_mount(root, m.controllers, "memory"); !mount.empty())
      for (const auto& dir : chain(mount, m.path))
        if (auto limit = number_file(dir + "/memory.limit_in_bytes"))
          take_memory(limits, *limit, number_file(dir + "/memory.usage_in_bytes"));
}

}  // namespace

CgroupLimits read_cgroup_limits(const std::string& proc_cgroup, const std::string& root) {
  CgroupLimits limits;
  for (const auto& m : memberships(proc_cgroup)) {
    if (m.controllers.empty()) {
      // v2: mounted at the root (unified) or beside the v1 hierarchies (hybrid).
      struct stat st {};
      const bool unified = ::stat((root + "/cgroup.controllers").c_str(), &st) == 0;
      const auto mount = !unified && is_dir(root + "/unified") ? root + "/unified" : root;
      read_v2(limits, mount, m.path);
    } else {
      read_v1(limits, root, m);
    }
  }
  return limits;
}

CgroupLimits cgroup_limits() {
  std::ifstream in("/proc/self/cgroup");
  std::ostringstream text;
  text << in.rdbuf();
  return read_cgroup_limits(text.str(), "/sys/fs/cgroup");
}

int usable_cores(const CgroupLimits& limits, int online, int affinity) {
  int cores = std::max(1, std::min(online, affinity));
  // A quota of 1.5 CPUs lets two threads run, each at three quarters.
  if (limits.cpus) cores = std::min(cores, std::max(1, static_cast<int>(std::ceil(*limits.cpus))));
  return cores;
}

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

}  // namespace troupe::runtime
