// Evaluation on real data, run as a user would: federated evaluation
// (--eval federated|both), the job owner's test set (--test-data), and their
// bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_troupe.hpp"
#include "models/idx_reader.hpp"
#include "test_util.hpp"

namespace {

using nlohmann::json;
using troupe::test::run_troupe_cli;
using troupe::test::TempDir;

std::string small_job() {
  return "--model mlp --nodes 3 --rounds 2 --train-limit 2000 --threads 1 --quiet --data-dir " +
         troupe::test::fashion_mnist_dir();
}

json read_report(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

/// Examples [from, from + n) of Fashion-MNIST's test split as a gzipped IDX
/// pair in `dir` (as a job owner would keep a held-out set); returns the images file.
std::string write_test_pair(const TempDir& dir, std::uint32_t from, std::uint32_t n,
                            std::uint32_t side = 28) {
  const auto images =
      troupe::models::read_idx(troupe::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz");
  const auto labels =
      troupe::models::read_idx(troupe::test::fashion_mnist_dir() + "/t10k-labels-idx1-ubyte.gz");
  std::vector<std::uint8_t> x, y;
  for (std::uint32_t i = from; i < from + n; ++i) {
    for (std::uint32_t r = 0; r < side; ++r)
      for (std::uint32_t c = 0; c < side; ++c) x.push_back(images.data[i * 784 + r * 28 + c]);
    y.push_back(labels.data[i]);
  }
  troupe::test::write_gz(dir.file("owner-images-idx3-ubyte.gz"),
                         troupe::test::idx_bytes({n, side, side}, x));
  troupe::test::write_gz(dir.file("owner-labels-idx1-ubyte.gz"), troupe::test::idx_bytes({n}, y));
  return dir.file("owner-images-idx3-ubyte.gz");
}

}  // namespace

TEST(EvaluationCli, EvalBothReportsCentralAndWeightedFederatedMetricsPerRoundAndPerNode) {
  TempDir dir;
  const auto r = run_troupe_cli("run " + small_job() + " --eval both --test-limit 500 --out " +
                                dir.file("r.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto report = read_report(dir.file("r.json"));
  EXPECT_EQ(report["test_size"], 500);
  ASSERT_EQ(report["rounds"].size(), 2U);
  std::int64_t held_out = 0;
  for (const auto& round : report["rounds"]) {
    EXPECT_GT(round["accuracy"].get<double>(), 0.0);  // central, unchanged keys
    ASSERT_TRUE(round.contains("federated")) << round.dump();
    const auto& f = round["federated"];
    // Round 1 plans the three unmeasured nodes alike, one shard each; from
    // round 2 measured speeds may give one node two shards (it then reports
    // both held-out parts as one node), so only the totals are fixed.
    ASSERT_EQ(f["nodes"], f["per_node"].size());
    if (round["round"] == 1) EXPECT_EQ(f["nodes"], 3);
    EXPECT_GE(f["per_node"].size(), 1U);
    EXPECT_LE(f["per_node"].size(), 3U);
    std::int64_t examples = 0;
    double weighted = 0.0;
    for (const auto& n : f["per_node"]) {
      examples += n["examples"].get<std::int64_t>();
      weighted += n["accuracy"].get<double>() * n["examples"].get<double>();
    }
    EXPECT_EQ(f["examples"], examples);
    EXPECT_NEAR(f["accuracy"].get<double>(), weighted / static_cast<double>(examples), 1e-9);
    held_out = examples;
  }
  // A fifth of each shard is held out and not trained on.
  EXPECT_NEAR(static_cast<double>(held_out), 400.0, 3.0);
  std::int64_t trained = 0;
  for (const auto& t : report["tasks"])
    if (t["kind"] == "train" && t["round"] == 1 && t["state"] == "done")
      trained += t["samples"].get<std::int64_t>();
  EXPECT_EQ(trained + held_out, 2000);
  ASSERT_GE(report["node_metrics"].size(), 1U);
  EXPECT_LE(report["node_metrics"].size(), 3U);
  EXPECT_EQ(report["node_metrics"][0]["round"], 2);
  EXPECT_NE(r.output.find("Federated evaluation"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Node metrics"), std::string::npos) << r.output;
}

TEST(EvaluationCli, CentralEvaluationIsOnTheJobOwnersTestData) {
  TempDir dir;
  const auto set = write_test_pair(dir, 0, 500);
  // Given the first 500 test examples shipped as --test-data, and a run that
  // evaluates on the same 500 of the data directory's split
  const auto shipped = run_troupe_cli("run " + small_job() + " --test-data " + set + " --out " +
                                      dir.file("shipped.json"));
  ASSERT_EQ(shipped.code, 0) << shipped.output;
  const auto limited =
      run_troupe_cli("run " + small_job() + " --test-limit 500 --out " + dir.file("limited.json"));
  ASSERT_EQ(limited.code, 0) << limited.output;
  const auto a = read_report(dir.file("shipped.json"));
  const auto b = read_report(dir.file("limited.json"));
  // Then central evaluation measured those 500 (not the split's 10,000)
  EXPECT_EQ(a["test_size"], 500);
  for (const auto& t : a["tasks"]) {
    if (t["kind"] == "evaluate") {
      EXPECT_EQ(t["samples"], 500) << t.dump();
    }
  }
  EXPECT_EQ(a["final"]["model_fingerprint"], b["final"]["model_fingerprint"]);
  EXPECT_EQ(a["final"]["accuracy"], b["final"]["accuracy"]);
  EXPECT_EQ(a["config"]["test_data"], set);
}

TEST(EvaluationCli, AMissingTestDataFileIsAUsageErrorNamingIt) {
  TempDir dir;
  const auto missing = dir.file("gone-images-idx3-ubyte.gz");
  const auto r = run_troupe_cli("run " + small_job() + " --test-data " + missing);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--test-data"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(missing), std::string::npos) << r.output;
}

TEST(EvaluationCli, ACorruptTestDataFileIsAUsageErrorNamingIt) {
  TempDir dir;
  const auto set = write_test_pair(dir, 0, 20);
  std::ofstream(set, std::ios::binary | std::ios::trunc) << "\x1f\x8b garbage";
  const auto r = run_troupe_cli("run " + small_job() + " --test-data " + set);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find(set), std::string::npos) << r.output;
}

TEST(EvaluationCli, ATestSetThatDoesNotFitTheModelFailsTheJobNamingTheFile) {
  TempDir dir;
  const auto set = write_test_pair(dir, 0, 50, 8);  // 64 features; the MLP takes 784
  const auto r = run_troupe_cli("run " + small_job() + " --test-data " + set);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("--test-data " + set), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("has 64 features per example"), std::string::npos) << r.output;
}

TEST(EvaluationCli, FederatedEvaluationInAnAsynchronousModeIsAUsageError) {
  const auto r = run_troupe_cli("run " + small_job() + " --mode async --eval federated");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--mode sync"), std::string::npos) << r.output;
}
