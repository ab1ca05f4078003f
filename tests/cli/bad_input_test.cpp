// Every file the CLI reads fails cleanly on corruption: a message naming the
// problem and exit code 1 or 2, never a crash (exit codes >= 128 or -1).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

namespace {

troupe::test::CliResult run_troupe(const std::string& args) {
  return troupe::test::run_troupe_cli(args);
}

/// Runs troupe with `assignment` (NAME=VALUE) in its environment.
troupe::test::CliResult run_troupe_env(const std::string& assignment, const std::string& args) {
  return troupe::test::run_troupe_cli(args, assignment);
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string binary_garbage() {
  std::string g(2048, '\0');
  std::uint32_t x = 7;
  for (auto& c : g) c = static_cast<char>((x = x * 1664525 + 1013904223) >> 24);
  return g;
}

}  // namespace

TEST(BadInput, ABinaryConfigFileIsAUsageError) {
  troupe::test::TempDir dir;
  write(dir.file("c.ini"), binary_garbage());
  const auto r = run_troupe("run --config " + dir.file("c.ini"));
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST(BadInput, AnOptionNamedByAPrefixIsRefusedNotGuessed) {
  // `--port` is the start of `--port-file` only: it must not set the port file.
  const auto r = run_troupe("scheduler --port 0 --listen 127.0.0.1:0");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--port"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("port-file"), std::string::npos) << r.output;
}

TEST(BadInput, AConfigFileWithAMalformedValueNamesTheOption) {
  troupe::test::TempDir dir;
  write(dir.file("c.ini"), "rounds = many\n");
  const auto r = run_troupe("run --config " + dir.file("c.ini"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("rounds"), std::string::npos) << r.output;
}

TEST(BadInput, ATaskDeadlineNotBelowTheTaskTimeoutIsAUsageErrorNamingBoth) {
  const auto r = run_troupe("run --task-deadline 30 --task-timeout 20");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--task-deadline 30 must be below --task-timeout 20"), std::string::npos)
      << r.output;
}

TEST(BadInput, AConfigFileWithAnUnterminatedSectionIsAUsageError) {
  troupe::test::TempDir dir;
  write(dir.file("c.ini"), "[job\nrounds = 2\n");
  EXPECT_EQ(run_troupe("scheduler --config " + dir.file("c.ini")).code, 2);
}

TEST(BadInput, ACorruptTaskCsvForAllocateIsReportedNotCrashed) {
  troupe::test::TempDir dir;
  write(dir.file("t.csv"), binary_garbage());
  write(dir.file("n.json"), R"([{"id": "a", "cpu": 4}])");
  const auto r =
      run_troupe("allocate --tasks " + dir.file("t.csv") + " --nodes " + dir.file("n.json"));
  EXPECT_TRUE(r.code == 1 || r.code == 2) << r.code << r.output;
  EXPECT_NE(r.output.find("t.csv"), std::string::npos) << r.output;
}

TEST(BadInput, ATruncatedNodeJsonForAllocateIsReportedNotCrashed) {
  troupe::test::TempDir dir;
  write(dir.file("t.csv"), "id,cpu,priority\n1,1,1\n");
  write(dir.file("n.json"), R"([{"id": "a", "cpu": )");
  const auto r =
      run_troupe("allocate --tasks " + dir.file("t.csv") + " --nodes " + dir.file("n.json"));
  EXPECT_TRUE(r.code == 1 || r.code == 2) << r.code << r.output;
  EXPECT_NE(r.output.find("n.json"), std::string::npos) << r.output;
}

TEST(BadInput, ACorruptWorkloadForSimulateIsReportedNotCrashed) {
  troupe::test::TempDir dir;
  write(dir.file("w.json"), "{\"tasks\": [1, 2, ");
  const auto r = run_troupe("simulate --workload " + dir.file("w.json"));
  EXPECT_TRUE(r.code == 1 || r.code == 2) << r.code << r.output;
  EXPECT_NE(r.output.find("w.json"), std::string::npos) << r.output;
}

TEST(BadInput, ATruncatedIdxFileIsReportedWithItsName) {
  troupe::test::TempDir dir;
  troupe::test::write_fake_fashion_mnist(dir.path(), 50);
  // Labels file cut inside its header.
  troupe::test::write_gz(dir.file("train-labels-idx1-ubyte.gz"), {0, 0, 8, 1, 0, 0});
  const auto r = run_troupe("run --model mlp --nodes 2 --rounds 1 --threads 1 --data-dir " +
                            dir.path().string());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("train-labels-idx1-ubyte.gz"), std::string::npos) << r.output;
}

TEST(BadInput, AMissingOrTooShortSecretFileIsAUsageError) {
  troupe::test::TempDir dir;
  write(dir.file("short"), "abc\n");
  const auto a = run_troupe("scheduler --secret-file " + dir.file("short"));
  EXPECT_EQ(a.code, 2) << a.output;
  EXPECT_NE(a.output.find("at least 16"), std::string::npos) << a.output;
  const auto b = run_troupe("node --secret-file " + dir.file("missing"));
  EXPECT_EQ(b.code, 2) << b.output;
  EXPECT_NE(b.output.find("cannot read secret file"), std::string::npos) << b.output;
}

TEST(BadInput, TheSecretFileCanComeFromTheEnvironment) {
  troupe::test::TempDir dir;
  write(dir.file("short"), "abc\n");
  const auto r = run_troupe_env("TROUPE_SECRET_FILE=" + dir.file("short"), "scheduler");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("at least 16"), std::string::npos) << r.output;
}

TEST(BadInput, AnIncompleteOrNonPemTlsConfigurationIsAUsageError) {
  troupe::test::TempDir dir;
  write(dir.file("cert.pem"), "not a certificate\n");
  const auto a = run_troupe("scheduler --tls-cert " + dir.file("cert.pem"));
  EXPECT_EQ(a.code, 2) << a.output;
  EXPECT_NE(a.output.find("--tls-key"), std::string::npos) << a.output;
  const auto b = run_troupe("node --tls-cert " + dir.file("cert.pem") + " --tls-key " +
                            dir.file("cert.pem") + " --tls-ca " + dir.file("cert.pem"));
  EXPECT_EQ(b.code, 2) << b.output;
  EXPECT_NE(b.output.find("is not PEM"), std::string::npos) << b.output;
}

TEST(BadInput, NegativeResourceFloorsAreUsageErrors) {
  EXPECT_EQ(run_troupe("scheduler --min-free-memory -1").code, 2);
}

TEST(BadInput, ConcurrentJobsOutsideOneToSixtyFourIsAUsageErrorNamingTheRange) {
  for (const char* k : {"0", "-1", "65", "two"}) {
    const auto r = run_troupe(std::string("scheduler --listen 127.0.0.1:0 --concurrent-jobs ") + k);
    EXPECT_EQ(r.code, 2) << k << ": " << r.output;
  }
  EXPECT_NE(run_troupe("scheduler --concurrent-jobs 0").output.find("between 1 and 64"),
            std::string::npos);
}

TEST(BadInput, SharedNodesWithoutSeveralJobsAtOnceIsAUsageError) {
  for (const char* args : {"--share-nodes", "--share-nodes --concurrent-jobs 1"}) {
    const auto r = run_troupe(std::string("scheduler --listen 127.0.0.1:0 ") + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find("--share-nodes needs --concurrent-jobs of 2 or more"),
              std::string::npos)
        << r.output;
  }
}

TEST(BadInput, ACheckpointDirectoryThatIsARegularFileIsAUsageError) {
  // Given a regular file where the checkpoints should go
  troupe::test::TempDir dir;
  write(dir.file("file"), "not a directory");
  // When a run names it, Then it stops at once with exit 2 and says why
  // (it used to exit 0 having written no checkpoint).
  const auto r = run_troupe(
      "run --model mlp --rounds 1 --nodes 2 --train-limit 200 --test-limit 100 "
      "--checkpoint-dir " +
      dir.file("file"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("is not a directory"), std::string::npos) << r.output;
}

TEST(BadInput, ALearningRateThatBlowsTheModelUpIsExplained) {
  // Every update is rejected for non-finite values: the job fails (exit 1)
  // and says why, not only that no node delivered an update.
  const auto r = run_troupe(
      "run --model mlp --rounds 1 --nodes 2 --train-limit 200 "
      "--test-limit 100 --quiet --lr 1e30");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("updates rejected: non-finite values (is --lr too large?)"),
            std::string::npos)
      << r.output;
}

TEST(BadInput, ADemandNoNodeMeetsFailsTheJobNamingEachNodeAndAMalformedOneIsAUsageError) {
  const std::string job = "run --quiet --nodes 2 --rounds 1 --train-limit 2000 --test-limit 500 ";
  auto r = run_troupe(job + "--demand cpu=100000");
  EXPECT_EQ(r.code, 1) << r.output;
  for (const char* node : {"node node-1: ", "node node-2: "})
    EXPECT_NE(r.output.find(std::string(node)), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" cores < 100000 needed (--demand cpu)"), std::string::npos) << r.output;
  r = run_troupe(job + "--demand cpu=1,memory=64M");  // every node meets it
  EXPECT_EQ(r.code, 0) << r.output;
  r = run_troupe(job + "--demand memory=lots");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--demand memory= takes a size such as 512M or 4G, got 'lots'"),
            std::string::npos)
      << r.output;
}

TEST(BadInput, SpoolOptionsOutOfRangeOrAtOddsAreUsageErrors) {
  const std::string dir = testing::TempDir();
  for (const auto& [args, said] : std::vector<std::pair<std::string, std::string>>{
           {"scheduler --no-spool --spool-min-mib 2", "--no-spool leaves no updates"},
           {"aggregator --no-spool --spool-dir " + dir, "--no-spool leaves no updates"},
           {"aggregator --spool-dir " + dir + " --spool-min-mib -1", "--spool-min-mib must be"},
           {"scheduler --spool-dir " + dir + " --spool-min-mib lots", "got 'lots'"},
           {"scheduler --spool-dir " + dir + "/no-such-dir", "--spool-dir: cannot make"},
           {"scheduler --spool-dir " + dir + " --max-message 0", "needs the message guard"},
           {"scheduler --spool-min-mib 1 --max-message 0", "--spool-min-mib does not apply"}}) {
    const auto r = run_troupe(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(said), std::string::npos) << args << "\n" << r.output;
  }
}

TEST(BadInput, UpdateSizesOutOfRangeAreUsageErrorsNamingTheOption) {
  for (const char* args : {"node --bulk-min-mib -1", "node --bulk-min-mib 2e6",
                           "node --bulk-min-mib nan", "node --update-part-mib 0"}) {
    const auto r = run_troupe(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    const std::string option = std::string(args).substr(5, std::string(args).find(' ', 5) - 5);
    EXPECT_NE(r.output.find(option), std::string::npos) << args << "\n" << r.output;
  }
}
