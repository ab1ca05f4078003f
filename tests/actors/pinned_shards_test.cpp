// Issue 20 item 7 in one process: three nodes each hold one shard (`--shard
// i/3`), and the job is submitted when only the first has registered. The
// other shards wait for their nodes within the join timeout; a shard whose
// node never comes is lost, and the job ends "degraded", not "ok".
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <chrono>
#include <thread>

#include "actors/aggregator_actor.hpp"
#include "actors/cluster.hpp"
#include "actors/node_actor.hpp"
#include "actors/scheduler_actor.hpp"
#include "runtime/node/data_catalog.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

runtime::JobSpec pinned_job() {
  runtime::JobSpec job;
  job.nodes = 3;
  job.rounds = 2;
  job.data.train_limit = 3000;
  job.data.test_limit = 500;
  job.train.model = runtime::ModelKind::mlp;
  job.data.data_dir = test::fashion_mnist_dir();
  job.cluster.join_timeout_s = 3.0;
  return job;
}

/// A scheduler, an aggregator and node actors pinned to one shard each,
/// registered when the test says.
struct PinnedCluster {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  actors::aggregator_actor aggregator;
  actors::scheduler_actor scheduler;
  std::shared_ptr<runtime::DataCatalog> data;
  std::shared_ptr<runtime::ComputeGate> gate = std::make_shared<runtime::ComputeGate>(2);
  std::vector<caf::actor> nodes;

  explicit PinnedCluster(const runtime::JobSpec& job) {
    actors::configure(cfg);
    system = std::make_unique<caf::actor_system>(cfg);
    aggregator = actors::spawn_aggregator(*system);
    actors::SchedulerConfig sc;
    sc.aggregator = aggregator;
    sc.heartbeat_timeout_s = 0.0;
    sc.tick_interval_s = 0.1;
    scheduler = actors::spawn_scheduler(*system, sc);
    data = std::make_shared<runtime::DataCatalog>(job.data.data_dir, job.data.train_limit,
                                                  job.data.test_limit);
  }

  /// Node `i` holding only shard i of 3 registers.
  void join(int i) {
    actors::NodeConfig nc;
    nc.name = "node-" + std::to_string(i);
    nc.aggregator = aggregator;
    nc.data = data;
    nc.gate = gate;
    nc.placement.shard = i;
    nc.placement.shards = 3;
    nodes.push_back(caf::actor_cast<caf::actor>(actors::spawn_node(*system, nc)));
    actors::NodeRegistration reg;
    reg.name = nc.name;
    reg.data = nc.placement;
    caf::scoped_actor self{*system};
    self->request(scheduler, caf::infinite, actors::register_atom::value, reg, nodes.back())
        .receive([](const caf::actor&) {}, [](caf::error& e) { FAIL() << to_string(e); });
  }

  runtime::RunReport submit(const runtime::JobSpec& job) {
    runtime::RunReport report;
    caf::scoped_actor self{*system};
    self->request(scheduler, std::chrono::seconds(120), actors::submit_atom::value, job,
                  runtime::Admission{})
        .receive([&](runtime::RunReport& r) { report = std::move(r); },
                 [](caf::error& e) { FAIL() << to_string(e); });
    return report;
  }

  ~PinnedCluster() {
    caf::scoped_actor self{*system};
    self->send_exit(scheduler, caf::exit_reason::user_shutdown);
    self->send_exit(aggregator, caf::exit_reason::user_shutdown);
    for (auto& n : nodes) self->send_exit(n, caf::exit_reason::user_shutdown);
  }
};

}  // namespace

TEST(PinnedShards, ShardsWhoseNodesJoinAfterTheSubmissionWaitForThemAndEveryRoundTrainsAll) {
  const auto job = pinned_job();
  PinnedCluster c(job);
  c.join(0);
  // The other two nodes register half a second after the job was submitted.
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    c.join(1);
    c.join(2);
  });
  const auto report = c.submit(job);
  late.join();
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  ASSERT_EQ(report.rounds.size(), 2U);
  for (const auto& r : report.rounds) {
    EXPECT_EQ(r.updates, 3) << "round " << r.round;
    EXPECT_TRUE(r.lost_shards.empty()) << "round " << r.round;
  }
  for (const auto& t : report.tasks)
    if (t.kind == runtime::TaskKind::train) {
      EXPECT_EQ(t.node, "node-" + std::to_string(t.shard));
      EXPECT_EQ(t.state, runtime::TaskState::done) << t.error;
    }
}

TEST(PinnedShards, AShardWhoseNodeNeverJoinsIsLostAndTheJobEndsDegraded) {
  const auto job = pinned_job();
  PinnedCluster c(job);
  c.join(0);
  c.join(1);
  const auto report = c.submit(job);
  ASSERT_EQ(report.status, runtime::RunStatus::degraded) << report.error;
  EXPECT_NE(
      report.error.find("2 of 2 rounds lost work: round 1 lost shard 2; round 2 lost shard 2"),
      std::string::npos)
      << report.error;
  for (const auto& r : report.rounds) EXPECT_EQ(r.lost_shards, std::vector<int>{2});
  for (const auto& t : report.tasks) {
    if (t.kind == runtime::TaskKind::train && t.shard == 2) {
      EXPECT_EQ(t.error, "no node can train shard 2 (none joined within the join timeout of 3 s)");
    }
  }
}
