// Evaluation across processes on loopback: federated evaluation with a
// scheduler, a separate aggregator and two nodes, each holding its own shard;
// and the owner's test set shipped by `troupe submit`.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "cluster/troupe_cluster.hpp"
#include "models/idx_reader.hpp"
#include "socket_util.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

TEST(FederatedEvaluationProcesses, EachNodeEvaluatesOnItsHeldOutExamplesAndTheReportWeighsThem) {
  TempDir dir;
  const auto endpoint = [](int port) { return "127.0.0.1:" + std::to_string(port); };
  const int sport = free_port();
  const int aport = free_port();
  // The Process objects are the troupe processes themselves: their
  // destructors stop exactly these.
  Process aggregator(kTroupe,
                     {"aggregator", "--listen", endpoint(aport), "--scheduler", endpoint(sport),
                      "--connect-timeout", "20"},
                     dir.file("aggregator.log"));
  Process scheduler(kTroupe,
                    {"scheduler", "--listen", endpoint(sport), "--aggregator", endpoint(aport),
                     "--connect-timeout", "20"},
                    dir.file("scheduler.log"));
  std::vector<std::unique_ptr<Process>> nodes;
  for (int i = 0; i < 2; ++i)
    nodes.push_back(std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"node", "--scheduler", endpoint(sport), "--name",
                                 "n" + std::to_string(i), "--shard", std::to_string(i) + "/2",
                                 "--threads", "1", "--connect-timeout", "20", "--quiet"},
        dir.file("n" + std::to_string(i) + ".log")));
  // clang-format off
  Process submit(kTroupe, {"submit", "--scheduler", endpoint(sport), "--model", "mlp",
      "--nodes", "2", "--rounds", "2", "--local-steps", "20", "--train-limit", "2000",
      "--test-limit", "300", "--threads", "1", "--min-nodes", "2", "--connect-timeout", "20",
      "--eval", "federated", "--local-test-fraction", "0.3",
      "--data-dir", fashion_mnist_dir(), "--quiet", "--out", dir.file("r.json")},
      dir.file("submit.log"));
  // clang-format on
  ASSERT_EQ(submit.wait_exit(180s), 0)
      << submit.output() << scheduler.output() << aggregator.output();
  const auto report = read_json(dir.file("r.json"));
  ASSERT_EQ(report["status"], "ok");
  ASSERT_EQ(report["rounds"].size(), 2U);
  for (const auto& round : report["rounds"]) {
    const auto& f = round["federated"];
    ASSERT_EQ(f["per_node"].size(), 2U) << round.dump();
    EXPECT_EQ(f["nodes"], 2);
    // About 30 % of each node's 1,000-example shard (stratified by label),
    // evaluated by that node only
    std::set<std::string> names;
    std::int64_t examples = 0;
    for (const auto& n : f["per_node"]) {
      names.insert(n["node"].get<std::string>());
      EXPECT_NEAR(n["examples"].get<double>(), 300.0, 5.0) << n.dump();
      examples += n["examples"].get<std::int64_t>();
    }
    EXPECT_EQ(f["examples"], examples);
    EXPECT_EQ(names, (std::set<std::string>{"n0", "n1"}));
    // --eval federated: the round's metrics are the weighted federated ones
    EXPECT_DOUBLE_EQ(round["accuracy"].get<double>(), f["accuracy"].get<double>());
  }
  // One held-out evaluation per node and round, each on its own node.
  std::map<std::string, int> per_node;
  for (const auto& t : report["tasks"])
    if (t["kind"] == "evaluate" && t["state"] == "done" && t["samples"].get<int>() < 400)
      ++per_node[t["node"].get<std::string>()];
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"n0", 2}, {"n1", 2}}));
  ASSERT_EQ(report["node_metrics"].size(), 2U);
}

TEST(FederatedEvaluationProcesses, SubmitShipsTheOwnersTestSetToTheEvaluatingNode) {
  TempDir dir;
  // The owner's held-out set: 200 examples of Fashion-MNIST's test split,
  // kept only where `troupe submit` runs (the nodes read their data directory).
  const auto images = troupe::models::read_idx(fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz");
  const auto labels = troupe::models::read_idx(fashion_mnist_dir() + "/t10k-labels-idx1-ubyte.gz");
  constexpr std::uint32_t kExamples = 200;
  std::filesystem::create_directory(dir.file("owner"));
  write_gz(
      dir.file("owner/set-images-idx3-ubyte.gz"),
      idx_bytes({kExamples, 28, 28}, {images.data.begin(), images.data.begin() + kExamples * 784}));
  write_gz(dir.file("owner/set-labels-idx1-ubyte.gz"),
           idx_bytes({kExamples}, {labels.data.begin(), labels.data.begin() + kExamples}));
  SchedulerProcess scheduler(dir);
  ASSERT_GT(scheduler.port(), 0) << scheduler->output();
  Process node(kTroupe,
               {"node", "--scheduler", scheduler.endpoint(), "--name", "n1", "--threads", "1",
                "--connect-timeout", "20", "--quiet"},
               dir.file("n1.log"));
  // clang-format off
  Process submit(kTroupe, {"submit", "--scheduler", scheduler.endpoint(), "--model", "mlp",
      "--nodes", "1", "--rounds", "1", "--local-steps", "10", "--train-limit", "1000",
      "--threads", "1", "--min-nodes", "1", "--connect-timeout", "20",
      "--test-data", dir.file("owner"), "--data-dir", fashion_mnist_dir(), "--quiet",
      "--out", dir.file("r.json")}, dir.file("submit.log"));
  // clang-format on
  ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output() << scheduler->output();
  const auto report = read_json(dir.file("r.json"));
  EXPECT_EQ(report["test_size"], kExamples);
  int evaluations = 0;
  for (const auto& t : report["tasks"])
    if (t["kind"] == "evaluate") {
      EXPECT_EQ(t["samples"], kExamples) << t.dump();
      ++evaluations;
    }
  EXPECT_EQ(evaluations, 1);
}
