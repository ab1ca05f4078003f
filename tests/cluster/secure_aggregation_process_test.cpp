// Secure aggregation across processes on loopback: a scheduler, a separate
// aggregator process and node processes. The secure sum is exact in its ring,
// so the job gives the embedded run's model bit for bit; a node killed between
// sharing its keys and masking is recovered from the others' shares.
#include <gtest/gtest.h>

#include <csignal>

#include "actors/cluster.hpp"
#include "cluster/troupe_cluster.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

std::string endpoint(int port) {
  return "127.0.0.1:" + std::to_string(port);
}

/// A scheduler with a separate aggregator process and `n` nodes (n1 ... nN);
/// node `paused` (when > 0) waits `pause_s` before masking in each secure sum.
struct SecureCluster {
  SecureCluster(const TempDir& dir, int n, int paused = 0, const std::string& pause_s = "0",
                const std::vector<std::string>& aggregator_extra = {},
                const std::vector<std::string>& node_extra = {})
      : sport(free_port()), aport(free_port()) {
    std::vector<std::string> aggregator_args{"aggregator",  "--listen",      endpoint(aport),
                                             "--scheduler", endpoint(sport), "--connect-timeout",
                                             "20"};
    aggregator_args.insert(aggregator_args.end(), aggregator_extra.begin(), aggregator_extra.end());
    aggregator = std::make_unique<Process>(kTroupe, aggregator_args, dir.file("aggregator.log"));
    scheduler = std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"scheduler", "--listen", endpoint(sport), "--aggregator",
                                 endpoint(aport), "--connect-timeout", "20"},
        dir.file("scheduler.log"));
    for (int i = 1; i <= n; ++i) {
      const auto name = "n" + std::to_string(i);
      std::vector<std::string> args{"node",      "--scheduler", endpoint(sport),     "--name", name,
                                    "--threads", "1",           "--connect-timeout", "20"};
      if (i == paused) args.insert(args.end(), {"--secure-pause-before-masking", pause_s});
      args.insert(args.end(), node_extra.begin(), node_extra.end());
      nodes.push_back(std::make_unique<Process>(kTroupe, args, dir.file(name + ".log")));
    }
  }
  int sport, aport;
  // The Process objects are the troupe processes themselves: their destructors stop exactly these.
  std::unique_ptr<Process> aggregator, scheduler;
  std::vector<std::unique_ptr<Process>> nodes;
};

std::vector<std::string> submit_args(const SecureCluster& c, int nodes, const std::string& out,
                                     const std::vector<std::string>& extra = {}) {
  // clang-format off
  std::vector<std::string> args{"submit", "--scheduler", endpoint(c.sport), "--model", "mlp",
      "--nodes", std::to_string(nodes), "--min-nodes", std::to_string(nodes), "--rounds", "2",
      "--train-limit", "3000", "--test-limit", "500", "--threads", "1",
      "--secure-aggregation", "--task-timeout", "10", "--connect-timeout", "20",
      "--data-dir", fashion_mnist_dir(), "--quiet", "--out", out};
  // clang-format on
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// submit_args's job on `nodes` embedded nodes.
troupe::runtime::RunReport run_embedded_job(int nodes) {
  troupe::runtime::JobSpec job;
  job.train.model = troupe::runtime::ModelKind::mlp;
  job.nodes = nodes;
  job.rounds = 2;
  job.data.train_limit = 3000;
  job.data.test_limit = 500;
  job.compute.threads = 1;
  job.cluster.task_timeout_s = 10;
  job.data.data_dir = fashion_mnist_dir();
  job.privacy.secure_aggregation = true;
  return troupe::actors::run_embedded(job);
}

}  // namespace

TEST(SecureAggregationProcesses, ASecureJobOnNodeProcessesGivesTheEmbeddedRunsModel) {
  TempDir dir;
  SecureCluster cluster(dir, 3);
  Process submit(kTroupe, submit_args(cluster, 3, dir.file("r.json")), dir.file("submit.log"));
  ASSERT_EQ(submit.wait_exit(180s), 0) << submit.output() << cluster.aggregator->output();
  const auto remote = read_json(dir.file("r.json"));
  ASSERT_EQ(remote["status"], "ok") << remote["error"];
  ASSERT_EQ(remote["rounds"].size(), 2U);

  const auto embedded = run_embedded_job(3);
  ASSERT_EQ(embedded.status, troupe::runtime::RunStatus::ok) << embedded.error;
  EXPECT_EQ(remote["final"]["model_fingerprint"], embedded.model_fingerprint);
  const auto log = cluster.aggregator->output();
  EXPECT_NE(log.find("secure sum of round 2: 3 of 3 tasks in the sum"), std::string::npos) << log;
}

TEST(SecureAggregationProcesses, AMaskedInputOverTheAggregatorsMessageLimitGoesInParts) {
  // The MLP's masked input is about 0.6 MiB (48-bit ring elements): over the
  // aggregator's 0.5 MiB limit, whose guard would close the node's connection
  // (the node lost, the job failed). In parts of 0.25 MiB it gets through.
  TempDir dir;
  SecureCluster cluster(dir, 3, 0, "0", {"--max-message", "0.5"}, {"--update-part-mib", "0.25"});
  Process submit(kTroupe, submit_args(cluster, 3, dir.file("r.json")), dir.file("submit.log"));
  ASSERT_EQ(submit.wait_exit(180s), 0) << submit.output() << cluster.aggregator->output();
  const auto remote = read_json(dir.file("r.json"));
  ASSERT_EQ(remote["status"], "ok") << remote["error"];

  const auto embedded = run_embedded_job(3);
  ASSERT_EQ(embedded.status, troupe::runtime::RunStatus::ok) << embedded.error;
  EXPECT_EQ(remote["final"]["model_fingerprint"], embedded.model_fingerprint);
  const auto log = cluster.aggregator->output();
  EXPECT_NE(log.find("secure sum of round 2: 3 of 3 tasks in the sum"), std::string::npos) << log;
  EXPECT_EQ(log.find("over the limit"), std::string::npos) << log;
}

TEST(SecureAggregationProcesses, ANodeKilledBetweenKeySharingAndMaskingIsRecoveredAndTheJobEnds) {
  TempDir dir;
  SecureCluster cluster(dir, 4, /*paused=*/4, /*pause_s=*/"120");
  Process submit(kTroupe, submit_args(cluster, 4, dir.file("r.json")), dir.file("submit.log"));
  auto& victim = *cluster.nodes.back();
  ASSERT_TRUE(victim.wait_for_output("before masking", 120s)) << victim.output();
  victim.kill(SIGKILL);
  ASSERT_EQ(submit.wait_exit(180s), 0) << submit.output() << cluster.aggregator->output();
  const auto report = read_json(dir.file("r.json"));
  ASSERT_EQ(report["status"], "ok") << report["error"];
  ASSERT_EQ(report["rounds"].size(), 2U);
  EXPECT_GT(report["final"]["accuracy"].get<double>(), 0.5);
  const auto log = cluster.aggregator->output();
  // Round 1: n4's masks were removed from the others' shares; round 2 ran on
  // the three nodes left (one of them trained two shards).
  EXPECT_NE(log.find("secure sum of round 1: 3 of 4 tasks in the sum, 1 dropouts recovered"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("secure sum of round 2: 4 of 4 tasks in the sum, 0 dropouts recovered"),
            std::string::npos)
      << log;
}

TEST(SecureAggregationProcesses, ABufferedJobWithANodeKilledBeforeMaskingRecoversItAndEnds) {
  TempDir dir;
  SecureCluster cluster(dir, 4, /*paused=*/4, /*pause_s=*/"120");
  Process submit(
      kTroupe,
      submit_args(cluster, 4, dir.file("r.json"), {"--mode", "buffered", "--buffer-size", "3"}),
      dir.file("submit.log"));
  auto& victim = *cluster.nodes.back();
  ASSERT_TRUE(victim.wait_for_output("before masking", 120s)) << victim.output();
  victim.kill(SIGKILL);
  ASSERT_EQ(submit.wait_exit(180s), 0) << submit.output() << cluster.aggregator->output();
  const auto report = read_json(dir.file("r.json"));
  ASSERT_EQ(report["status"], "ok") << report["error"];
  ASSERT_EQ(report["rounds"].size(), 2U);
  EXPECT_GT(report["rounds"][1]["version"].get<int>(), 0);
  // n4's buffer summed the other two members; n4's masks came off their shares.
  const auto log = cluster.aggregator->output();
  EXPECT_NE(log.find("2 of 3 tasks in the sum, 1 dropouts recovered"), std::string::npos) << log;
}
