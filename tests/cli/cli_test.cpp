// Runs the troupe binary as a user would, checking exit codes and messages.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

namespace {

troupe::test::CliResult run_troupe(const std::string& args, const std::string& env = "") {
  return troupe::test::run_troupe_cli(args, env);
}

const std::string kSmall =
    "--model mlp --nodes 2 --rounds 1 --train-limit 600 --test-limit 300 --threads 1";

}  // namespace

TEST(Cli, HelpWorksOnEveryCommand) {
  for (const char* cmd :
       {"--help", "run --help", "train --help", "scheduler --help", "aggregator --help",
        "node --help", "submit --help", "status --help", "allocate --help", "simulate --help"}) {
    const auto r = run_troupe(cmd);
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_FALSE(r.output.empty()) << cmd;
  }
  EXPECT_NE(run_troupe("run --help").output.find("--local-epochs"), std::string::npos);
}

TEST(Cli, VersionNamesTheAllocatorInUse) {
  const auto r = run_troupe("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("troupe 0."), std::string::npos) << r.output;
#ifdef TROUPE_EXPECT_JEMALLOC
  // Linked jemalloc is the allocator, with troupe's options (jemalloc_config.cpp)...
  EXPECT_NE(r.output.find("allocator: jemalloc 5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("oversize_threshold=0, muzzy_decay_ms=-1"), std::string::npos)
      << r.output;
  // ...which MALLOC_CONF still overrides.
  const auto overridden =
      run_troupe("--version", "MALLOC_CONF=oversize_threshold:1048576,muzzy_decay_ms:0");
  EXPECT_NE(overridden.output.find("oversize_threshold=1048576, muzzy_decay_ms=0"),
            std::string::npos)
      << overridden.output;
#else
  EXPECT_NE(r.output.find("allocator: glibc malloc (tuned)"), std::string::npos) << r.output;
  EXPECT_NE(run_troupe("--version", "TROUPE_MALLOC_TUNING=0").output.find("(defaults)"),
            std::string::npos);
#endif
}

TEST(Cli, UnknownCommandsAndOptionsExitWithUsageCode2) {
  EXPECT_EQ(run_troupe("").code, 2);
  EXPECT_EQ(run_troupe("fly").code, 2);
  const auto r = run_troupe("run --no-such-option");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("no-such-option"), std::string::npos);
}

TEST(Cli, InvalidValuesExitWithCode2AndNameTheOption) {
  auto r = run_troupe("run --nodes 0");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--nodes"), std::string::npos);
  r = run_troupe("run --model resnet");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--model"), std::string::npos);
  r = run_troupe("run --lr banana");
  EXPECT_EQ(r.code, 2);
  r = run_troupe("run --device tpu");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("invalid device"), std::string::npos);
}

TEST(Cli, MissingDataDirectoryNamesTheDebianPackage) {
  const auto r = run_troupe("run " + kSmall + " --data-dir /nonexistent/fmnist");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("dataset-fashion-mnist"), std::string::npos) << r.output;
}

TEST(Cli, CorruptDataIsReportedClearly) {
  troupe::test::TempDir dir;
  troupe::test::write_fake_fashion_mnist(dir.path(), 50);
  std::ofstream(dir.file("train-images-idx3-ubyte.gz"), std::ios::trunc)
      << "garbage, not gzip or idx";
  const auto r = run_troupe("run " + kSmall + " --data-dir " + dir.path().string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("train-images-idx3-ubyte.gz"), std::string::npos) << r.output;
}

TEST(Cli, ASetUpErrorEveryNodeSharesIsLoggedOnceAndTheRestNamedInOneLine) {
  // 30 nodes but 20 training examples: each node's set-up fails the same way.
  const auto r = run_troupe("run --nodes 30 --train-limit 20 --test-limit 50 --rounds 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("30 nodes but 20 training examples"), std::string::npos) << r.output;
  std::size_t lost = 0;
  for (auto at = r.output.find("lost (set-up failed): "); at != std::string::npos;
       at = r.output.find("lost (set-up failed): ", at + 1))
    ++lost;
  EXPECT_EQ(lost, 1u) << r.output;
  EXPECT_NE(r.output.find("29 more nodes lost (set-up failed) for the same reason: "),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" and 21 more"), std::string::npos) << r.output;
}

TEST(Cli, RunWritesTheJsonReportAndReadsAConfigFile) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("job.ini"))
      << "model = mlp\nnodes = 2\nrounds = 1\ntrain-limit = 600\ntest-limit = 300\nthreads = 1\n"
      << "data-dir = " << troupe::test::fashion_mnist_dir() << "\n";
  const auto r =
      run_troupe("run --quiet --config " + dir.file("job.ini") + " --out " + dir.file("r.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto json = troupe::test::read_text(dir.file("r.json"));
  for (const char* key :
       {"\"config\"", "\"tasks\"", "\"rounds\"", "\"final\"", "\"nodes\"", "\"efficiency\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
  EXPECT_NE(json.find("\"train_limit\": 600"), std::string::npos);
  EXPECT_NE(r.output.find("Rounds"), std::string::npos);
}

TEST(Cli, AConfigFileWithAnUnknownKeyIsRefused) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("bad.ini")) << "nodez = 2\n";
  EXPECT_EQ(run_troupe("run --config " + dir.file("bad.ini")).code, 2);
  EXPECT_EQ(run_troupe("run --config " + dir.file("missing.ini")).code, 2);
}

TEST(Cli, TrainRunsTheCentralisedBaseline) {
  const auto r =
      run_troupe("train --model mlp --rounds 1 --train-limit 600 --test-limit 300 --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Final model: accuracy"), std::string::npos);
}
