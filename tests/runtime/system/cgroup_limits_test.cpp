#include "runtime/system/cgroup_limits.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/system/resources.hpp"
#include "test_util.hpp"

namespace {

using troupe::runtime::CgroupLimits;
using troupe::runtime::read_cgroup_limits;
using troupe::runtime::usable_cores;
namespace fs = std::filesystem;

/// Writes `text` to root/relative, creating its directories.
void put(const fs::path& root, const std::string& relative, const std::string& text) {
  const auto path = root / relative;
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text << '\n';
}

constexpr std::uint64_t kGiB = 1ULL << 30;

TEST(CgroupLimits, AVersionTwoGroupGivesItsCpuQuotaAndMemoryLimitAndWhatIsLeft) {
  troupe::test::TempDir dir;
  put(dir.path(), "cgroup.controllers", "cpu memory");
  put(dir.path(), "job.slice/node/cpu.max", "150000 100000");
  put(dir.path(), "job.slice/node/memory.max", std::to_string(2 * kGiB));
  put(dir.path(), "job.slice/node/memory.current", std::to_string(kGiB / 2));
  const auto l = read_cgroup_limits("0::/job.slice/node\n", dir.path().string());
  ASSERT_TRUE(l.cpus && l.memory && l.memory_available);
  EXPECT_DOUBLE_EQ(*l.cpus, 1.5);
  EXPECT_EQ(*l.memory, 2 * kGiB);
  EXPECT_EQ(*l.memory_available, 2 * kGiB - kGiB / 2);
  EXPECT_EQ(usable_cores(l, 16, 16), 2);
}

TEST(CgroupLimits, MaxAndMissingFilesMeanNoLimit) {
  troupe::test::TempDir dir;
  put(dir.path(), "cgroup.controllers", "cpu memory");
  put(dir.path(), "a/cpu.max", "max 100000");
  put(dir.path(), "a/memory.max", "max");
  const auto l = read_cgroup_limits("0::/a\n", dir.path().string());
  EXPECT_FALSE(l.cpus);
  EXPECT_FALSE(l.memory);
  EXPECT_FALSE(read_cgroup_limits("0::/absent\n", (dir.path() / "nowhere").string()).memory);
  EXPECT_EQ(usable_cores(l, 8, 3), 3);  // the affinity mask still narrows
}

TEST(CgroupLimits, AnAncestorsSmallerLimitBinds) {
  troupe::test::TempDir dir;
  put(dir.path(), "cgroup.controllers", "cpu memory");
  put(dir.path(), "slice/memory.max", std::to_string(kGiB));
  put(dir.path(), "slice/memory.current", std::to_string(kGiB / 4));
  put(dir.path(), "slice/unit/memory.max", std::to_string(4 * kGiB));
  put(dir.path(), "slice/unit/memory.current", "0");
  put(dir.path(), "slice/cpu.max", "50000 100000");
  const auto l = read_cgroup_limits("0::/slice/unit\n", dir.path().string());
  ASSERT_TRUE(l.memory && l.cpus);
  EXPECT_EQ(*l.memory, kGiB);
  EXPECT_EQ(*l.memory_available, kGiB - kGiB / 4);
  EXPECT_EQ(usable_cores(l, 2, 2), 1);  // half a CPU still runs one thread
}

TEST(CgroupLimits, VersionOneHierarchiesAreReadPerControllerAndTheirNoLimitValueIsIgnored) {
  troupe::test::TempDir dir;
  put(dir.path(), "cpu,cpuacct/n1/cpu.cfs_quota_us", "300000");
  put(dir.path(), "cpu,cpuacct/n1/cpu.cfs_period_us", "100000");
  put(dir.path(), "cpu,cpuacct/cpu.cfs_quota_us", "-1");
  put(dir.path(), "cpu,cpuacct/cpu.cfs_period_us", "100000");
  put(dir.path(), "memory/n1/memory.limit_in_bytes", std::to_string(3 * kGiB));
  put(dir.path(), "memory/n1/memory.usage_in_bytes", std::to_string(kGiB));
  put(dir.path(), "memory/memory.limit_in_bytes", "9223372036854771712");
  const auto l = read_cgroup_limits("4:memory:/n1\n2:cpu,cpuacct:/n1\n0::/\n", dir.path().string());
  ASSERT_TRUE(l.cpus && l.memory);
  EXPECT_DOUBLE_EQ(*l.cpus, 3.0);
  EXPECT_EQ(*l.memory, 3 * kGiB);
  EXPECT_EQ(*l.memory_available, 2 * kGiB);
}

TEST(CgroupLimits, AGroupPathTheContainerCannotSeeFallsBackToTheMountsRoot) {
  troupe::test::TempDir dir;
  put(dir.path(), "cgroup.controllers", "memory");
  put(dir.path(), "memory.max", std::to_string(kGiB));
  const auto l = read_cgroup_limits("0::/host/path/of/the/container\n", dir.path().string());
  ASSERT_TRUE(l.memory);
  EXPECT_EQ(*l.memory, kGiB);
}

/// The real thing: a child process moved into a memory-limited group of the
/// machine's cgroup file system reports that limit as its node's memory.
TEST(CgroupLimits, ANodeInALimitedGroupOffersOnlyTheGroupsMemory) {
  const fs::path v1 = "/sys/fs/cgroup/memory";
  const bool unified = fs::exists("/sys/fs/cgroup/cgroup.controllers");
  const fs::path base = unified ? fs::path("/sys/fs/cgroup") : v1;
  const fs::path group = base / ("troupe-test-" + std::to_string(getpid()));
  std::error_code ec;
  if (!fs::create_directory(group, ec))
    GTEST_SKIP() << "cannot create a cgroup under " << base << " (" << ec.message() << ")";
  const std::uint64_t limit = 512ULL << 20;
  std::ofstream(group / (unified ? "memory.max" : "memory.limit_in_bytes")) << limit;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    alarm(30);  // a child stuck after fork fails the test instead of hanging it
    std::ofstream(group / "cgroup.procs") << getpid() << std::flush;
    const auto r = troupe::runtime::probe_resources(".");
    const std::uint64_t out[2] = {r.memory_total, r.memory_available};
    (void)!write(fds[1], out, sizeof(out));
    _exit(0);
  }
  std::uint64_t got[2] = {0, 0};
  close(fds[1]);
  const auto n = read(fds[0], got, sizeof(got));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  fs::remove(group, ec);  // empty again once the child has exited
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof(got)));
  EXPECT_EQ(got[0], limit);
  EXPECT_LE(got[1], limit);
  EXPECT_GT(got[1], 0u);
}

}  // namespace
