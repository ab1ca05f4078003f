// Chaos suite (issue 6): real troupe processes on loopback, nodes killed with
// SIGKILL at seeded-random moments while rounds run, one of them restarted.
// The link-loss case (a node host in its own network namespace) is
// tests/cluster/chaos_netns_test.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "cluster/troupe_cluster.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

constexpr int kNodes = 10;
constexpr int kRounds = 6;
/// Seeds the kill schedule (victims and moments), not the job.
constexpr unsigned kChaosSeed = 20240611;
/// Each node sleeps (factor - 1) x its compute time after training, so that a
/// task lasts about a second on this machine and a kill lands inside one; the
/// sleep changes no result.
const std::string kSlowFactor = "30";

/// A scheduler process and named node processes on loopback.
class ChaosCluster {
 public:
  explicit ChaosCluster(const TempDir& dir)
      : dir_(dir), scheduler_(dir, {"--heartbeat-timeout", "10"}) {}
  /// Starts (or restarts, under the same name) node `name`; its log gets a
  /// suffix per start so that a restart keeps the first log.
  Process& start_node(const std::string& name) {
    const int start = ++starts_[name];
    nodes_[name] = std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"node", "--scheduler", endpoint(), "--name", name, "--threads",
                                 "1", "--slow-factor", kSlowFactor},
        dir_.file(name + "." + std::to_string(start) + ".log"));
    return *nodes_[name];
  }
  Process& node(const std::string& name) { return *nodes_.at(name); }
  Process& scheduler() { return scheduler_.process(); }
  std::string endpoint() const { return scheduler_.endpoint(); }
  int port() const { return scheduler_.port(); }

  std::string status() { return troupe_status(dir_, endpoint()); }
  /// The state column of `node` in `troupe status` ("" when not listed).
  std::string state_of(const std::string& node) {
    return node_state(troupe_status_json(dir_, endpoint()), node);
  }
  bool wait_for_alive(int n, std::chrono::milliseconds timeout) {
    return eventually([&] { return alive_nodes(troupe_status_json(dir_, endpoint())) >= n; },
                      timeout);
  }

 private:
  const TempDir& dir_;
  SchedulerProcess scheduler_;
  std::map<std::string, std::unique_ptr<Process>> nodes_;
  std::map<std::string, int> starts_;
};

/// The same job for the baseline and the disturbed run: 10 shards, MLP.
std::vector<std::string> chaos_job(const std::string& endpoint, const std::string& name,
                                   const std::string& out) {
  // clang-format off
  return {"submit", "--scheduler", endpoint, "--name", name, "--model", "mlp",
          "--nodes", std::to_string(kNodes), "--rounds", std::to_string(kRounds),
          "--train-limit", "10000", "--test-limit", "2000", "--seed", "42",
          "--threads", "1", "--min-nodes", std::to_string(kNodes), "--task-timeout", "60",
          "--data-dir", troupe::test::fashion_mnist_dir(), "--out", out};
  // clang-format on
}

/// Sanitizer builds run several times slower: scripts/sanitize.sh sets
/// TROUPE_TEST_TIME_SCALE, and the waits below stretch by that factor.
std::chrono::seconds scaled(std::chrono::seconds s) {
  const char* v = std::getenv("TROUPE_TEST_TIME_SCALE");
  return s * (v ? std::max(1, std::atoi(v)) : 1);
}

std::string round_line(int r) {
  return "round   " + std::to_string(r) + "/" + std::to_string(kRounds);
}

}  // namespace

TEST(Chaos, TenNodesWithThreeKilledAndOneRestartedCompleteTheJobAsIfUndisturbed) {
  TempDir dir;
  ChaosCluster cluster(dir);
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  for (int i = 1; i <= kNodes; ++i) cluster.start_node("n" + std::to_string(i));
  ASSERT_TRUE(cluster.wait_for_alive(kNodes, scaled(30s))) << cluster.status();

  // Given an undisturbed run of the job on the ten nodes
  Process baseline(kTroupe, chaos_job(cluster.endpoint(), "baseline", dir.file("baseline.json")),
                   dir.file("baseline.log"));
  ASSERT_EQ(baseline.wait_exit(scaled(90s)), 0) << baseline.output();
  const auto undisturbed = read_json(dir.file("baseline.json"));
  ASSERT_EQ(undisturbed["status"], "ok");

  // When the same job runs again and three nodes are killed (SIGKILL) at
  // seeded-random moments of rounds 2, 3 and 4, the first of them restarted
  // under its name after the second kill
  std::mt19937 rng(kChaosSeed);
  std::vector<int> order(kNodes);
  for (int i = 0; i < kNodes; ++i) order[i] = i + 1;
  std::shuffle(order.begin(), order.end(), rng);
  std::uniform_int_distribution<int> delay_ms(200, 700);
  struct Kill {
    std::string node;
    int after_round;  ///< killed this long after the line of this round appears
    std::chrono::milliseconds delay;
  };
  std::vector<Kill> kills;
  for (int k = 0; k < 3; ++k)
    kills.push_back(
        {"n" + std::to_string(order[k]), k + 1, std::chrono::milliseconds(delay_ms(rng))});
  const std::string restarted = kills[0].node;

  Process chaos(kTroupe, chaos_job(cluster.endpoint(), "chaos", dir.file("chaos.json")),
                dir.file("chaos.log"));
  int killed_in_round[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(chaos.wait_for_output(round_line(kills[k].after_round), scaled(60s)))
        << chaos.output();
    std::this_thread::sleep_for(kills[k].delay);
    cluster.node(kills[k].node).kill(SIGKILL);
    EXPECT_EQ(cluster.node(kills[k].node).wait_exit(5s), -1);  // reaped: killed by a signal
    killed_in_round[k] = kills[k].after_round + 1;
    std::cout << "[chaos] killed " << kills[k].node << " " << kills[k].delay.count()
              << " ms after round " << kills[k].after_round << " ended\n";
    if (k == 1) {
      cluster.start_node(restarted);
      std::cout << "[chaos] restarted " << restarted << "\n";
    }
  }
  ASSERT_EQ(chaos.wait_exit(scaled(120s)), 0) << chaos.output() << cluster.scheduler().output();

  // Then the job completed with every round and every shard's update
  const auto report = read_json(dir.file("chaos.json"));
  ASSERT_EQ(report["status"], "ok") << report["error"];
  ASSERT_EQ(report["rounds"].size(), static_cast<std::size_t>(kRounds));
  for (int r = 0; r < kRounds; ++r) {
    EXPECT_EQ(report["rounds"][r]["round"], r + 1);
    EXPECT_EQ(report["rounds"][r]["updates"], kNodes) << "round " << r + 1 << " lost a shard";
  }

  // And every task is accounted for: done, or failed with a reason and (for
  // a training task) replaced by a task of the same round and shard that names it
  std::map<std::int64_t, nlohmann::json> replacement_of;
  for (const auto& t : report["tasks"])
    if (!t["reassigned_from"].is_null())
      replacement_of[t["reassigned_from"].get<std::int64_t>()] = t;
  int failed = 0;
  std::set<std::pair<int, int>> trained;  // (round, shard) with a done training task
  for (const auto& t : report["tasks"]) {
    const auto id = t["id"].get<std::int64_t>();
    const auto state = t["state"].get<std::string>();
    if (state == "done") {
      if (t["kind"] == "train") trained.insert({t["round"].get<int>(), t["shard"].get<int>()});
      continue;
    }
    ASSERT_EQ(state, "failed") << "task " << id << " neither done nor failed: " << t.dump();
    ++failed;
    std::cout << "[chaos] task " << id << " (" << t["kind"].get<std::string>() << ", round "
              << t["round"] << ", shard " << t["shard"] << ") on " << t["node"].get<std::string>()
              << " failed: " << t["error"].get<std::string>() << "\n";
    EXPECT_FALSE(t["error"].get<std::string>().empty()) << "task " << id << " failed silently";
    auto it = replacement_of.find(id);
    ASSERT_NE(it, replacement_of.end()) << "failed task " << id << " has no replacement";
    EXPECT_EQ(it->second["round"], t["round"]);
    EXPECT_EQ(it->second["shard"], t["shard"]);
    EXPECT_EQ(it->second["kind"], t["kind"]);
  }
  EXPECT_EQ(trained.size(), static_cast<std::size_t>(kNodes * kRounds));
  EXPECT_GE(failed, 1) << "no kill hit a running task";
  std::cout << "[chaos] " << failed << " tasks failed and were reassigned\n";

  // And the killed nodes got no work after their kill; the restarted one did
  for (const auto& t : report["tasks"]) {
    for (int k = 1; k < 3; ++k) {
      if (t["node"] == kills[k].node && t["state"] == "done") {
        EXPECT_LE(t["round"].get<int>(), killed_in_round[k]) << t.dump();
      }
    }
  }
  bool restarted_worked = false;
  for (const auto& t : report["tasks"])
    if (t["node"] == restarted && t["state"] == "done" &&
        t["round"].get<int>() > killed_in_round[0])
      restarted_worked = true;
  EXPECT_TRUE(restarted_worked) << restarted << " did no work after its restart";
  EXPECT_EQ(cluster.state_of(restarted), "alive");
  EXPECT_EQ(cluster.state_of(kills[1].node), "lost");
  EXPECT_EQ(cluster.state_of(kills[2].node), "lost");

  // And the model is the undisturbed one. Each (round, shard) task trains with
  // its own seed wherever it runs and no shard was lost, so the updates are the
  // same, and the aggregator sums a round's updates in shard order, so a
  // replacement task (with a later id) adds up in the same place.
  const double acc = report["final"]["accuracy"].get<double>();
  const double base = undisturbed["final"]["accuracy"].get<double>();
  EXPECT_NEAR(acc, base, 0.01);
  EXPECT_EQ(report["final"]["model_fingerprint"], undisturbed["final"]["model_fingerprint"]);
  std::cout << "[chaos] accuracy " << acc << " (undisturbed " << base << "), model "
            << (report["final"]["model_fingerprint"] == undisturbed["final"]["model_fingerprint"]
                    ? "identical"
                    : "differs in its bits")
            << "\n";
}
