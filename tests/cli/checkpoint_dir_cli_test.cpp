// Every command that takes --checkpoint-dir refuses, at start and with exit 2,
// a directory that cannot hold checkpoints, instead of running a job that
// writes none (issue 20, item 2). `troupe submit` is in
// tests/cluster/process_test.cpp (the aggregator's host decides there); a
// disk that fills mid-job is tests/cluster/checkpoint_disk_full_test.sh.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

namespace {

using troupe::test::run_troupe_cli;
using troupe::test::TempDir;

/// A one-round job small enough to start at once.
const std::string kSmallJob =
    "--model mlp --rounds 1 --nodes 2 --train-limit 200 --test-limit 100 --quiet ";

}  // namespace

TEST(CheckpointDirAtStart, ACheckpointDirectoryBelowARegularFileIsAUsageErrorOfRun) {
  // Given a regular file where a parent directory should be
  TempDir dir;
  std::ofstream(dir.file("file")) << "x";
  // When a run names a directory below it, Then it stops with exit 2 and says why
  const auto r = run_troupe_cli("run " + kSmallJob + "--checkpoint-dir " + dir.file("file/sub"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--checkpoint-dir '" + dir.file("file/sub") + "' cannot be created"),
            std::string::npos)
      << r.output;
}

TEST(CheckpointDirAtStart, ACheckpointDirectoryWithoutWritePermissionIsAUsageErrorOfRun) {
  // Root may write anywhere: the run goes as user nobody (setpriv).
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run troupe as another user";
  // Given a directory that user nobody may enter but not write
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  const auto locked = dir.file("locked");
  std::filesystem::create_directory(locked);
  std::filesystem::permissions(locked, std::filesystem::perms(0555));
  // When nobody runs a job that checkpoints there, Then exit 2 names the directory and the cause
  const auto r = run_troupe_cli("run " + kSmallJob + "--checkpoint-dir " + locked, "",
                                "setpriv --reuid=65534 --regid=65534 --clear-groups");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--checkpoint-dir '" + locked + "' is not writable: Permission denied"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(std::filesystem::is_empty(locked));
}

TEST(CheckpointDirAtStart, TrainRefusesACheckpointDirectoryItWouldNeverWriteInto) {
  // The centralised baseline has no checkpoints: the option was ignored silently.
  TempDir dir;
  const auto r = run_troupe_cli("train " + kSmallJob + "--checkpoint-dir " + dir.file("ckpt"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("troupe train writes no checkpoints"), std::string::npos) << r.output;
}

TEST(CheckpointDirAtStart, CheckpointRequiredWithoutACheckpointDirectoryIsAUsageError) {
  const auto r = run_troupe_cli("run " + kSmallJob + "--checkpoint-required");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--checkpoint-required needs --checkpoint-dir"), std::string::npos)
      << r.output;
}
