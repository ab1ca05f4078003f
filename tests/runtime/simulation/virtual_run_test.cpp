// Jobs on the virtual clock: task durations follow the device profile, events
// reach the cores in virtual-time order, and a run repeats exactly.
#include "runtime/simulation/virtual_run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "runtime/node/node_behaviour.hpp"
#include "runtime/system/traffic.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

runtime::JobSpec small_job() {
  runtime::JobSpec job;
  job.nodes = 3;
  job.rounds = 2;
  job.data.train_limit = 3000;
  job.data.test_limit = 500;
  job.train.model = runtime::ModelKind::mlp;
  job.data.data_dir = test::fashion_mnist_dir();
  return job;
}

runtime::VirtualRunOptions with_profile(const std::string& name) {
  runtime::VirtualRunOptions o;
  o.profile = runtime::load_device_profile(name);
  return o;
}

}  // namespace

TEST(VirtualClock, ATrainingTaskTakesDownloadComputeAndUploadOnItsNodesDevice) {
  test::TempDir dir;
  const auto path = dir.file("slow.json");
  std::ofstream(path) << R"({"examples_per_s": 100, "bandwidth_mbps": 8, "latency_ms": 10})";
  auto job = small_job();
  const auto report = runtime::run_virtual(job, with_profile(path));
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  EXPECT_EQ(report.clock.kind, "virtual");
  EXPECT_EQ(report.clock.device_profile, path);
  ASSERT_EQ(report.clock.devices.size(), 3u);
  // 1,000 examples per shard at 100 examples/s, and the model both ways at 1 MB/s.
  const double bytes = static_cast<double>(runtime::wire_size(runtime::initial_global_model(job)));
  const double expected = 2 * (0.01 + bytes / 1e6) + 10.0;
  int trained = 0;
  for (const auto& t : report.tasks) {
    if (t.kind != runtime::TaskKind::train) continue;
    ++trained;
    // A task's time is its node's compute, as a live node reports it.
    EXPECT_NEAR(t.finished_at - t.started_at, 10.0, 1e-9) << "task " << t.id;
    // Round 1 starts at 0 on idle nodes: its updates arrive after both transfers.
    if (t.round == 1) {
      EXPECT_NEAR(t.finished_at, expected, 1e-9) << "task " << t.id;
    }
  }
  EXPECT_EQ(trained, 6);
  // The job's time is the virtual clock's: two rounds of at least one task each.
  EXPECT_GE(report.wall_s, 2 * expected);
  EXPECT_LT(report.wall_s, 3 * expected);
  EXPECT_GT(report.final_metrics.accuracy, 0.5);
}

TEST(VirtualClock, ARunRepeatsExactly) {
  auto job = small_job();
  job.nodes = 4;
  const auto a = runtime::run_virtual(job, with_profile("heavy-tail"));
  const auto b = runtime::run_virtual(job, with_profile("heavy-tail"));
  ASSERT_EQ(a.status, runtime::RunStatus::ok) << a.error;
  ASSERT_EQ(b.status, runtime::RunStatus::ok) << b.error;
  EXPECT_EQ(a.model_fingerprint, b.model_fingerprint);
  EXPECT_EQ(a.wall_s, b.wall_s);
  ASSERT_EQ(a.rounds.size(), b.rounds.size());
  for (std::size_t i = 0; i < a.rounds.size(); ++i)
    EXPECT_EQ(a.rounds[i].seconds, b.rounds[i].seconds);
}

TEST(VirtualClock, AsynchronousUpdatesArriveInTheOrderOfTheirVirtualTimes) {
  auto job = small_job();
  job.nodes = 6;
  job.rounds = 4;
  job.collab.mode = runtime::Mode::async;
  // Log-normal devices: every update arrives at its own time.
  const auto report = runtime::run_virtual(job, with_profile("heavy-tail"));
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  std::vector<runtime::Task> trained;
  for (const auto& t : report.tasks)
    if (t.kind == runtime::TaskKind::train && t.version >= 0) trained.push_back(t);
  ASSERT_GE(trained.size(), 12u);
  std::sort(trained.begin(), trained.end(),
            [](const auto& x, const auto& y) { return x.finished_at < y.finished_at; });
  // FedAsync makes a version per update: the earlier an update arrives, the earlier its version.
  for (std::size_t i = 1; i < trained.size(); ++i) {
    EXPECT_LT(trained[i - 1].finished_at, trained[i].finished_at);
    EXPECT_LT(trained[i - 1].version, trained[i].version)
        << "tasks " << trained[i - 1].id << " and " << trained[i].id;
  }
  // The slowest device's updates arrive staler than the fastest's.
  const auto& devices = report.clock.devices;
  const auto by_speed = [&](const auto& a, const auto& b) {
    return a.examples_per_s < b.examples_per_s;
  };
  const auto slowest = std::min_element(devices.begin(), devices.end(), by_speed)->node;
  const auto fastest = std::max_element(devices.begin(), devices.end(), by_speed)->node;
  double slow = 0.0, fast = 0.0;
  int slow_n = 0, fast_n = 0;
  for (const auto& t : trained) {
    if (t.node == slowest) slow += static_cast<double>(t.staleness), ++slow_n;
    if (t.node == fastest) fast += static_cast<double>(t.staleness), ++fast_n;
  }
  ASSERT_GT(slow_n, 0);
  ASSERT_GT(fast_n, slow_n);  // the fastest device trains more often
  EXPECT_GT(slow / slow_n, fast / fast_n);
}

TEST(VirtualClock, ARoundDeadlineClosesTheRoundWithoutItsStraggler) {
  test::TempDir dir;
  const auto path = dir.file("one-straggler.json");
  std::ofstream(path) << R"({"stragglers": {"fraction": 0.25, "slowdown": 100}})";
  auto job = small_job();
  job.nodes = 4;
  job.sync.round_deadline_s = 5.0;
  // 750 examples per shard: 0.75 s on a reference device, 75 s on the straggler.
  const auto report = runtime::run_virtual(job, with_profile(path));
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  ASSERT_EQ(report.rounds.size(), 2u);
  for (const auto& r : report.rounds) EXPECT_EQ(r.updates, 3) << "round " << r.round;
  for (int round = 1; round <= 2; ++round) {
    double first_start = 1e300;
    std::vector<const runtime::Task*> cut, done;
    for (const auto& t : report.tasks) {
      if (t.kind != runtime::TaskKind::train || t.round != round) continue;
      first_start = std::min(first_start, t.started_at);
      (t.state == runtime::TaskState::done ? done : cut).push_back(&t);
    }
    EXPECT_EQ(done.size(), 3u) << "round " << round;
    ASSERT_EQ(cut.size(), 1u) << "round " << round;
    // Cut on the first tick after the deadline (the core is ticked every 0.5 s).
    EXPECT_GE(cut[0]->finished_at - first_start, 5.0) << "round " << round;
    EXPECT_LE(cut[0]->finished_at - first_start, 5.5 + 1e-9) << "round " << round;
  }
}

TEST(VirtualClock, WhatItDoesNotSimulateIsRefusedNotIgnored) {
  auto job = small_job();
  job.privacy.secure_aggregation = true;
  auto report = runtime::run_virtual(job);
  EXPECT_EQ(report.status, runtime::RunStatus::refused);
  EXPECT_NE(report.error.find("--secure-aggregation"), std::string::npos);
  job = small_job();
  job.data.data_dir = "/nonexistent/troupe-data";
  report = runtime::run_virtual(job);
  EXPECT_EQ(report.status, runtime::RunStatus::failed);
  EXPECT_NE(report.error.find("node-1: set-up failed"), std::string::npos) << report.error;
}
