// Nodes with their own data (`troupe node --data`), as real processes on
// loopback: registered counts in the report and in FedAvg's weights, a claim
// above the registered count refused, and bad data files refused with the
// node and the file named.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <utility>

#include "cluster/troupe_cluster.hpp"
#include "models/dataset.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

/// Writes DIR/x.npy and DIR/y.npy: `count` Fashion-MNIST training examples
/// from `first` on whose label passes `keep` (uint8 28x28, int64 labels).
void write_node_data(const std::string& dir, const troupe::models::Dataset& train,
                     std::size_t first, std::size_t count, const std::function<bool(int)>& keep) {
  std::filesystem::create_directories(dir);
  std::vector<std::uint8_t> x;
  std::vector<std::int64_t> y;
  for (std::size_t i = first; i < train.size() && y.size() < count; ++i) {
    if (!keep(train.labels[i])) continue;
    x.insert(x.end(), train.images.begin() + static_cast<std::ptrdiff_t>(i * 784),
             train.images.begin() + static_cast<std::ptrdiff_t>((i + 1) * 784));
    y.push_back(train.labels[i]);
  }
  const auto n = static_cast<std::int64_t>(y.size());
  write_npy(dir + "/x.npy", "|u1", {n, 28, 28}, x.data(), x.size());
  write_npy(dir + "/y.npy", "<i8", {n}, y.data(), y.size() * sizeof(std::int64_t));
}

/// A scheduler process and node processes, each with its own data.
class LocalCluster {
 public:
  explicit LocalCluster(const TempDir& dir)
      : dir_(dir), scheduler_(dir, {"--heartbeat-timeout", "10"}) {}
  Process& add_node(const std::string& name, const std::string& data,
                    std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"node",   "--scheduler", scheduler_.endpoint(),
                                  "--name", name,          "--threads",
                                  "1",      "--data",      data};
    args.insert(args.end(), extra.begin(), extra.end());
    nodes_[name] = std::make_unique<Process>(kTroupe, args, dir_.file(name + ".log"));
    return *nodes_[name];
  }
  /// Stops node `name` (SIGTERM) and waits for it to exit.
  void stop_node(const std::string& name) {
    nodes_.at(name)->kill(SIGTERM);
    nodes_.at(name)->wait_exit(20s);
  }
  std::string endpoint() const { return scheduler_.endpoint(); }
  bool wait_for_nodes(int n) {
    return eventually([&] { return alive_nodes(troupe_status_json(dir_, endpoint())) >= n; }, 60s,
                      100ms);
  }
  /// Submits the test's MLP job with `extra` options; the report (at DIR/`out`).
  nlohmann::json submit(const std::string& out, const std::vector<std::string>& extra = {}) {
    // clang-format off
    std::vector<std::string> args{
        "submit", "--scheduler", endpoint(), "--model", "mlp", "--rounds", "2",
        "--local-steps", "10", "--test-limit", "1000", "--threads", "1",
        "--data-dir", fashion_mnist_dir(), "--out", dir_.file(out)};
    // clang-format on
    args.insert(args.end(), extra.begin(), extra.end());
    Process submit(kTroupe, args, dir_.file(out + ".log"));
    EXPECT_NE(submit.wait_exit(180s), -1) << "submit did not end: " << submit.output();
    return read_json(dir_.file(out));
  }

 private:
  const TempDir& dir_;
  SchedulerProcess scheduler_;
  std::map<std::string, std::unique_ptr<Process>> nodes_;
};

/// Examples per node name in a report's node_data.
std::map<std::string, std::int64_t> examples_of(const nlohmann::json& report) {
  std::map<std::string, std::int64_t> out;
  for (const auto& d : report.at("node_data")) {
    if (d.at("shard").get<int>() < 0) continue;  // left out of the job
    std::int64_t sum = 0;
    for (const auto& c : d.at("label_histogram")) sum += c.get<std::int64_t>();
    EXPECT_EQ(sum, d.at("examples").get<std::int64_t>()) << d.dump();
    out[d.at("node").get<std::string>()] = d.at("examples").get<std::int64_t>();
  }
  return out;
}

}  // namespace

// The acceptance: nodes of 1,000, 3,000 and 6,000 examples with
// different label skews. The report shows each count; FedAvg weighs by them,
// so a node that claims fewer examples than it registered does not change the
// model (it would if updates were weighed by their own count), and one that
// claims more is refused and named.
TEST(LocalData, ThreeNodesTrainOnTheirOwnDataWeightedByTheCountsTheyRegistered) {
  TempDir dir;
  const auto train =
      troupe::models::load_fashion_mnist(fashion_mnist_dir(), troupe::models::Split::train);
  write_node_data(dir.file("a"), train, 0, 1000, [](int l) { return l < 5; });
  write_node_data(dir.file("b"), train, 0, 3000, [](int l) { return l >= 3; });
  write_node_data(dir.file("c"), train, 20000, 6000, [](int) { return true; });
  LocalCluster cluster(dir);
  ASSERT_NE(cluster.endpoint(), "127.0.0.1:0");
  cluster.add_node("a", dir.file("a"));
  cluster.add_node("b", dir.file("b"));
  cluster.add_node("c", dir.file("c"));
  ASSERT_TRUE(cluster.wait_for_nodes(3)) << troupe_status(dir, cluster.endpoint());
  const auto status = troupe_status(dir, cluster.endpoint());
  for (const char* own : {"own:1000", "own:3000", "own:6000"})
    EXPECT_NE(status.find(own), std::string::npos) << status;

  // Given three honest nodes, when a job runs (its --nodes says 10)
  const auto honest = cluster.submit("honest.json", {"--nodes", "10", "--min-nodes", "3"});
  ASSERT_EQ(honest.at("status"), "ok") << honest.dump(1);
  // Then the report shows each node's registered count and the job's shards.
  EXPECT_EQ(examples_of(honest),
            (std::map<std::string, std::int64_t>{{"a", 1000}, {"b", 3000}, {"c", 6000}}));
  EXPECT_EQ(honest.at("config").at("nodes"), 3);
  // Each node's two tasks measured its throughput for the job's model; no
  // node gave --speed, so the scheduler plans with these.
  const auto measured = troupe_status_json(dir, cluster.endpoint());
  for (const auto& node : measured.at("nodes")) {
    EXPECT_TRUE(node.at("speed").is_null()) << node.dump();
    const auto& mlp = node.at("throughput").at("builtin:mlp");
    EXPECT_EQ(mlp.at("tasks").get<int>(), 2) << node.dump();
    EXPECT_GT(mlp.at("examples_per_s").get<double>(), 0.0) << node.dump();
  }
  const auto table = troupe_status(dir, cluster.endpoint());
  EXPECT_NE(table.find("speed"), std::string::npos) << table;
  EXPECT_NE(table.find("/s "), std::string::npos) << "no measured speed in the table\n" << table;

  // A split option or backups would be ignored where every node trains on its
  // own data: such a job is refused before round 1, naming the option.
  for (const auto& [option, value] :
       std::vector<std::pair<std::string, std::string>>{{"--partition", "dirichlet"},
                                                        {"--examples-per-node", "32"},
                                                        {"--backup-after", "1.5"}}) {
    const auto split = cluster.submit("split.json", {"--min-nodes", "3", option, value});
    EXPECT_EQ(split.at("status"), "refused") << split.dump(1);
    EXPECT_TRUE(split.at("rounds").empty()) << split.dump(1);
    std::ifstream log(dir.file("split.json.log"));
    const std::string said((std::istreambuf_iterator<char>(log)), {});
    EXPECT_NE(said.find(option + " " + value + " does not apply: the nodes alive at set-up hold"),
              std::string::npos)
        << said;
  }

  // Given node c restarted claiming 1% of its examples
  cluster.stop_node("c");
  cluster.add_node("c", dir.file("c"), {"--attack", "inflate-samples", "--attack-scale", "0.01"});
  ASSERT_TRUE(cluster.wait_for_nodes(3));
  const auto deflated = cluster.submit("deflated.json", {"--nodes", "10", "--min-nodes", "3"});
  ASSERT_EQ(deflated.at("status"), "ok") << deflated.dump(1);
  // Then its weight is still its registered 6,000: the same model.
  EXPECT_EQ(deflated.at("final").at("model_fingerprint"),
            honest.at("final").at("model_fingerprint"))
      << "an update's own count changed its weight";

  // Given node c claiming ten times its examples, its updates are refused.
  cluster.stop_node("c");
  cluster.add_node("c", dir.file("c"), {"--attack", "inflate-samples", "--attack-scale", "10"});
  ASSERT_TRUE(cluster.wait_for_nodes(3));
  const auto inflated = cluster.submit(
      "inflated.json", {"--nodes", "10", "--min-nodes", "3", "--allow-partial-rounds"});
  int refused = 0;
  for (const auto& t : inflated.at("tasks"))
    if (t.at("node") == "c" && t.at("kind") == "train") {
      EXPECT_NE(t.at("error").get<std::string>().find("claims 60000 examples, shard"),
                std::string::npos)
          << t.dump();
      EXPECT_NE(t.at("error").get<std::string>().find("holds 6000"), std::string::npos) << t.dump();
      ++refused;
    }
  EXPECT_GE(refused, 1) << inflated.dump(1);
}

// Start-up errors: the node exits 2 before registering, naming itself and the file.
TEST(LocalData, ANodeWithUnreadableOrMalformedDataExitsTwoNamingItselfAndTheFile) {
  TempDir dir;
  std::ofstream(dir.file("empty.csv")).flush();
  std::ofstream(dir.file("cell.csv")) << "a,b,label\n1,2,0\n3,oops,1\n";
  std::filesystem::create_directories(dir.file("mismatch"));
  const std::uint8_t x[] = {1, 2, 3, 4, 5, 6};
  const std::int64_t y[] = {0, 1};
  write_npy(dir.file("mismatch/x.npy"), "|u1", {3, 2}, x, sizeof x);
  write_npy(dir.file("mismatch/y.npy"), "<i8", {2}, y, sizeof y);
  std::filesystem::create_directories(dir.file("dir.csv"));
  std::filesystem::create_symlink(dir.file("gone.csv"), dir.file("dangling.csv"));
  const std::vector<std::pair<std::string, std::string>> cases{
      {"empty.csv", "empty.csv: is empty"},
      {"cell.csv", "cell.csv:3: cell 'oops' in column 1 is not a number"},
      {"mismatch", "x.npy has 3 examples but"},
      {"dir.csv", "dir.csv: is a directory without x.npy"},
      {"dangling.csv", "dangling.csv: no such file or directory"}};
  for (const auto& [file, why] : cases) {
    // No scheduler listens there: the node must fail before it tries to connect.
    Process node(kTroupe,
                 {"node", "--scheduler", "127.0.0.1:9", "--name", "bad-node", "--data",
                  dir.file(file), "--connect-timeout", "30"},
                 dir.file("node.log"));
    EXPECT_EQ(node.wait_exit(20s), 2) << file << ": " << node.output();
    EXPECT_NE(node.output().find("node bad-node: " + dir.file(file)), std::string::npos)
        << node.output();
    EXPECT_NE(node.output().find(why), std::string::npos) << node.output();
  }
  Process both(
      kTroupe,
      {"node", "--data", dir.file("cell.csv"), "--shard", "0/2", "--scheduler", "127.0.0.1:9"},
      dir.file("both.log"));
  EXPECT_EQ(both.wait_exit(20s), 2) << both.output();
  EXPECT_NE(both.output().find("--data and --shard exclude each other"), std::string::npos)
      << both.output();
}

// Job-time errors: data that does not fit the job fails that node's set-up,
// named with the file; the job goes on without it, or fails cleanly when no
// node with data is left.
TEST(LocalData, ANodeWhoseDataDoesNotFitTheJobIsLeftOutNamingTheNodeAndTheFile) {
  TempDir dir;
  const auto train =
      troupe::models::load_fashion_mnist(fashion_mnist_dir(), troupe::models::Split::train);
  write_node_data(dir.file("good"), train, 0, 500, [](int) { return true; });
  {
    std::ofstream csv(dir.file("labels.csv"));  // 784 features, a label 11
    for (int row = 0; row < 3; ++row) {
      for (int k = 0; k < 784; ++k) csv << "0.5,";
      csv << (row == 1 ? 11 : 2) << "\n";
    }
    std::ofstream narrow(dir.file("narrow.csv"));  // 63 features
    for (int row = 0; row < 3; ++row) {
      for (int k = 0; k < 63; ++k) narrow << "0.5,";
      narrow << "1\n";
    }
  }
  LocalCluster cluster(dir);
  cluster.add_node("good", dir.file("good"));
  cluster.add_node("labels", dir.file("labels.csv"));
  cluster.add_node("narrow", dir.file("narrow.csv"));
  ASSERT_TRUE(cluster.wait_for_nodes(3));
  const auto report = cluster.submit("r.json", {"--min-nodes", "3", "--classes", "10"});
  ASSERT_EQ(report.at("status"), "ok") << report.dump(1);
  EXPECT_EQ(examples_of(report), (std::map<std::string, std::int64_t>{{"good", 500}}));
  std::map<std::string, std::string> left_out;
  for (const auto& d : report.at("node_data"))
    if (d.at("shard").get<int>() < 0) left_out[d.at("node")] = d.at("error");
  EXPECT_NE(left_out["labels"].find("labels: " + dir.file("labels.csv") +
                                    ": has label 11, the job has 10 classes"),
            std::string::npos)
      << report.at("node_data").dump(1);
  EXPECT_NE(left_out["narrow"].find("narrow: " + dir.file("narrow.csv") +
                                    ": has 63 features per example"),
            std::string::npos)
      << report.at("node_data").dump(1);

  // Given only nodes whose data does not fit, the job fails cleanly, naming them.
  cluster.stop_node("good");
  ASSERT_TRUE(eventually(
      [&] { return alive_nodes(troupe_status_json(dir, cluster.endpoint())) == 2; }, 30s, 100ms));
  const auto failed = cluster.submit("failed.json", {"--min-nodes", "2", "--classes", "10"});
  EXPECT_EQ(failed.at("status"), "failed");
  const auto error = failed.at("error").get<std::string>();
  EXPECT_TRUE(
      error.find("labels: " + dir.file("labels.csv") + ": has label 11") != std::string::npos ||
      error.find("narrow: " + dir.file("narrow.csv") + ": has 63 features") != std::string::npos)
      << error;
}
