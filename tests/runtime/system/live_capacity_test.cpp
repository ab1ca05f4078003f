#include "runtime/system/live_capacity.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "report/report_json.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/scheduling/node_table.hpp"
#include "runtime/system/traffic.hpp"

using namespace troupe::runtime;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

NodeResources announced(std::uint64_t memory, std::uint64_t disk) {
  NodeResources r;
  r.cores = 2;
  r.memory_total = 8 * 1024 * kMiB;
  r.memory_available = memory;
  r.disk_free = disk;
  return r;
}

NodeUsage live(std::uint64_t memory, std::uint64_t disk) {
  NodeUsage u;
  u.memory_available = memory;
  u.disk_free = disk;
  return u;
}

}  // namespace

TEST(LiveCapacity, ANodeWithEnoughFreeMemoryAndDiskCanHoldATask) {
  EXPECT_EQ(
      cannot_hold(announced(4096 * kMiB, 1024 * kMiB), live(2048 * kMiB, 512 * kMiB), HoldNeed{}),
      "");
}

TEST(LiveCapacity, TheLatestHeartbeatWinsOverWhatTheNodeAnnounced) {
  // Plenty when it joined, short now.
  const auto why =
      cannot_hold(announced(4096 * kMiB, 1024 * kMiB), live(100 * kMiB, 512 * kMiB), HoldNeed{});
  EXPECT_EQ(why, "free memory 100.0 MiB < 256.0 MiB needed");
}

TEST(LiveCapacity, ANodeShortOfDiskIsHeldBack) {
  const auto why =
      cannot_hold(announced(4096 * kMiB, 1024 * kMiB), live(2048 * kMiB, 1 * kMiB), HoldNeed{});
  EXPECT_EQ(why, "free disk 1.0 MiB < 16.0 MiB needed");
}

TEST(LiveCapacity, BeforeTheFirstHeartbeatTheAnnouncedValuesCount) {
  EXPECT_NE(cannot_hold(announced(10 * kMiB, 1024 * kMiB), NodeUsage{}, HoldNeed{}), "");
  EXPECT_EQ(cannot_hold(announced(1024 * kMiB, 1024 * kMiB), NodeUsage{}, HoldNeed{}), "");
}

TEST(LiveCapacity, NoRequirementHoldsNothingBack) {
  EXPECT_EQ(cannot_hold(announced(1, 1), live(1, 1), HoldNeed::none()), "");
}

TEST(JobDemand, ParsesCoresAndSlurmSizesInAnyOrder) {
  std::string error;
  const auto d = parse_job_demand("memory=4G,cpu=1.5,gpu-memory=512", error);
  ASSERT_TRUE(d) << error;
  EXPECT_DOUBLE_EQ(d->cpu, 1.5);
  EXPECT_EQ(d->memory, 4096 * kMiB);
  EXPECT_EQ(d->gpu_memory, 512 * kMiB);  // megabytes without a suffix, as Slurm's --mem
  EXPECT_EQ(parse_job_demand("memory=2048K", error)->memory, 2 * kMiB);
  const auto none = parse_job_demand("", error);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->none());
}

TEST(JobDemand, BadInputNamesTheResourceAndTheValue) {
  for (const auto& [text, says] : std::vector<std::pair<std::string, std::string>>{
           {"cpu=two", "--demand cpu= takes a number of cores >= 0, got 'two'"},
           {"cpu=-1", "got '-1'"},
           {"memory=4X", "--demand memory= takes a size such as 512M or 4G, got '4X'"},
           {"gpu-memory=", "got ''"},
           {"disk=1G", "unknown resource 'disk'"},
           {"cpu", "got ''"}}) {
    std::string error;
    EXPECT_FALSE(parse_job_demand(text, error)) << text;
    EXPECT_NE(error.find(says), std::string::npos) << text << ": " << error;
  }
  JobSpec job;
  job.cluster.demand = "cpu=fast";
  EXPECT_NE(job.validate().find("--demand cpu="), std::string::npos) << job.validate();
}

TEST(JobDemand, ANodeShortOfCoresMemoryOrAGpuIsLeftOutNamingWhat) {
  JobDemand d;
  d.cpu = 4;
  EXPECT_EQ(cannot_meet(announced(4096 * kMiB, 0), NodeUsage{}, d),
            "2 cores < 4 needed (--demand cpu)");
  d.cpu = 2;
  d.memory = 3072 * kMiB;
  EXPECT_EQ(cannot_meet(announced(4096 * kMiB, 0), NodeUsage{}, d), "");
  EXPECT_EQ(cannot_meet(announced(4096 * kMiB, 0), live(1024 * kMiB, 0), d),
            "available memory 1.0 GiB < 3.0 GiB needed (--demand memory)");  // the heartbeat wins
  d.memory = 0;
  d.gpu_memory = 8192 * kMiB;
  auto node = announced(4096 * kMiB, 0);
  EXPECT_EQ(cannot_meet(node, NodeUsage{}, d), "no GPU (--demand gpu-memory)");
  node.gpus.push_back({"A", 24576 * kMiB, 20480 * kMiB});
  EXPECT_EQ(cannot_meet(node, NodeUsage{}, d), "");
  NodeUsage busy;
  busy.gpus.push_back({0.9, 20480 * kMiB, 24576 * kMiB});  // 4 GiB free now
  EXPECT_EQ(cannot_meet(node, busy, d),
            "no GPU with 8.0 GiB free (the most is 4.0 GiB; --demand gpu-memory)");
  EXPECT_EQ(cannot_meet(node, busy, JobDemand{}), "");
}

TEST(UsageHistory, TheReportGetsTheSamplesAndBytesOfTheJobsWindow) {
  NodeTable table(5.0);
  table.join("a", announced(kMiB, kMiB), {}, 1.0, 0.0);
  auto at = [&](double t, std::uint64_t sent, std::uint64_t received) {
    NodeUsage u = live(kMiB, kMiB);
    u.cpu_utilisation = t / 100.0;
    u.bytes_sent = sent;
    u.bytes_received = received;
    u.transfer_rate = 1000.0 * t;
    ASSERT_TRUE(table.heartbeat("a", u, t));
  };
  at(1.0, 100, 1000);  // before the job
  at(2.0, 150, 3000);  // in the job
  at(3.0, 400, 5000);
  at(9.0, 999, 9999);  // after the job
  RunReport report;
  add_node_usage(report, table, 1.5, 3.5);
  ASSERT_EQ(report.nodes.size(), 1u);
  const auto& n = report.nodes[0];
  EXPECT_EQ(n.id, "a");
  ASSERT_EQ(n.usage.size(), 2u);
  EXPECT_DOUBLE_EQ(n.usage[0].t, 0.5);
  EXPECT_DOUBLE_EQ(n.usage[1].cpu, 0.03);
  EXPECT_EQ(n.bytes_sent, 300u);       // 400 - 100
  EXPECT_EQ(n.bytes_received, 4000u);  // 5000 - 1000
  const auto json = nlohmann::json::parse(to_json(report));
  EXPECT_EQ(json["nodes"][0]["bytes_sent"], 300);
  EXPECT_EQ(json["nodes"][0]["usage"].size(), 2u);
  EXPECT_EQ(json["nodes"][0]["usage"][1]["bytes_received"], 5000);
}

TEST(UsageHistory, ARestartedNodesCountersStartAgainFromZero) {
  NodeTable table(5.0);
  table.join("a", announced(kMiB, kMiB), {}, 1.0, 0.0);
  NodeUsage u;
  u.bytes_sent = 500;
  table.heartbeat("a", u, 1.0);
  u.bytes_sent = 800;
  table.heartbeat("a", u, 2.0);
  u.bytes_sent = 50;  // the process restarted
  table.heartbeat("a", u, 3.0);
  RunReport report;
  add_node_usage(report, table, 0.0, 10.0);
  EXPECT_EQ(report.nodes.at(0).bytes_sent, 850u);
}

TEST(UsageHistory, TheHistoryIsBoundedAndKeepsItsSpan) {
  NodeTable table(1e9);
  table.join("a", announced(kMiB, kMiB), {}, 1.0, 0.0);
  for (int i = 0; i < 10000; ++i) table.heartbeat("a", NodeUsage{}, static_cast<double>(i));
  const auto& h = table.find("a")->history;
  EXPECT_LE(h.size(), kUsageHistory);
  EXPECT_DOUBLE_EQ(h.front().t, 0.0);
  EXPECT_GT(h.back().t, 9990.0);
}

TEST(UsagePoint, GpuUtilisationIsTheMeanOfTheKnownOnes) {
  NodeUsage u;
  u.gpus = {GpuUsage{0.5, 100, 1000}, GpuUsage{1.0, 200, 1000}, GpuUsage{-1.0, 300, 1000}};
  const auto p = usage_point(0.0, u);
  EXPECT_DOUBLE_EQ(p.gpu, 0.75);
  EXPECT_EQ(p.gpu_memory_used, 600u);
  EXPECT_DOUBLE_EQ(usage_point(0.0, NodeUsage{}).gpu, -1.0);
}

TEST(Traffic, TheMeterCountsBytesAndTheLatestRate) {
  TrafficMeter m;
  m.add_sent(10);
  m.add_sent(5);
  m.add_received(7);
  m.record_transfer(1000, 0.5);
  m.record_transfer(1000, 0.0);  // ignored: no duration
  EXPECT_EQ(m.sent(), 15u);
  EXPECT_EQ(m.received(), 7u);
  EXPECT_DOUBLE_EQ(m.transfer_rate(), 2000.0);
}

TEST(Traffic, AWatcherIsWokenOnceAtTheFirstChangeAfterItAsked) {
  TrafficMeter m;
  std::atomic<int> wakes{0};
  m.add_sent(1);  // before anyone watches: no one to wake
  m.watch([&] { ++wakes; });
  EXPECT_EQ(wakes, 0);
  m.add_sent(10);
  m.add_received(5);  // the second change before the watcher looked again: no second wake
  EXPECT_EQ(wakes, 1);
  m.arm();
  std::thread other([&] { m.add_received(3); });  // the node adds on its own thread
  other.join();
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(m.sent(), 11u);
  EXPECT_EQ(m.received(), 8u);
}

TEST(UsageSampler, SamplesDiskAndMemoryOfThisMachine) {
  auto traffic = std::make_shared<TrafficMeter>();
  traffic->add_sent(42);
  UsageSampler sampler(".", traffic);
  const auto u = sampler.sample();
  EXPECT_GT(u.memory_available, 0u);
  EXPECT_GT(u.disk_free, 0u);
  EXPECT_GT(u.rss, 0u);
  EXPECT_EQ(u.bytes_sent, 42u);
  EXPECT_GE(u.cpu_utilisation, 0.0);
}

TEST(GpuMonitor, WithoutNvmlNoGpuIsListed) {
  if (void* nvml = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL)) {
    dlclose(nvml);
    GTEST_SKIP() << "NVML is installed here";
  }
  EXPECT_TRUE(sample_gpus().empty());
}
