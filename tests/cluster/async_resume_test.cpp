// Asynchronous and buffered jobs survive their scheduler: killed mid-job
// (SIGKILL, with the aggregator it hosts) and resumed with --resume, the job
// ends with the model of the undisturbed run, bit for bit.
//
// What makes the comparison exact: one node process, so updates arrive one at
// a time in an order fixed by the job (the node trains one task, the scheduler
// answers with the next); each task's update depends only on its shard, its
// seed (from its task id) and its base version's model, all of which the
// checkpoint keeps (next task id, held versions, FedBuff buffer, tasks in
// flight with their base versions).
#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/troupe_cluster.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

/// A scheduler on a fixed port (so that a restarted one is where the node
/// reconnects) with one node that trains slowly enough to be interrupted.
class OneNodeCluster {
 public:
  explicit OneNodeCluster(const TempDir& dir)
      : dir_(dir), endpoint_("127.0.0.1:" + std::to_string(free_port())) {
    start_scheduler("s1.log");
    node_ = std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"node", "--scheduler", endpoint_, "--name", "n1", "--threads", "1",
                                 "--slow-factor", "3", "--connect-timeout", "20",
                                 "--reconnect-timeout", "60"},
        dir.file("n1.log"));
  }
  void start_scheduler(const std::string& log) {
    scheduler_ = std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"scheduler", "--listen", endpoint_, "--heartbeat-timeout", "10"},
        dir_.file(log));
  }
  Process& scheduler() { return *scheduler_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  const TempDir& dir_;
  std::string endpoint_;
  std::unique_ptr<Process> scheduler_;
  std::unique_ptr<Process> node_;
};

std::vector<std::string> async_job(const std::string& endpoint, const std::string& mode,
                                   const std::vector<std::string>& extra) {
  // clang-format off
  std::vector<std::string> args{
      "submit", "--scheduler", endpoint, "--mode", mode,
      "--model", "mlp", "--nodes", "3", "--rounds", "6", "--local-steps", "60",
      "--train-limit", "3000", "--test-limit", "1000", "--threads", "1",
      "--min-nodes", "1", "--connect-timeout", "20",
      "--data-dir", fashion_mnist_dir()};
  // clang-format on
  // FedBuff's buffer; FedAsync has none, and troupe refuses the option there.
  if (mode == "buffered") args.insert(args.end(), {"--buffer-size", "2"});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

void resumes_to_the_undisturbed_model(const std::string& mode) {
  TempDir dir;
  const auto ckpt = dir.file("ckpt");
  OneNodeCluster cluster(dir);

  // The undisturbed run.
  Process plain(kTroupe,
                async_job(cluster.endpoint(), mode, {"--quiet", "--out", dir.file("plain.json")}),
                dir.file("plain.log"));
  ASSERT_EQ(plain.wait_exit(180s), 0) << plain.output() << cluster.scheduler().output();
  const auto undisturbed = read_json(dir.file("plain.json"));
  ASSERT_EQ(undisturbed["status"], "ok");

  // The same job with checkpoints, its scheduler (and aggregator) killed mid-job.
  Process first(kTroupe, async_job(cluster.endpoint(), mode, {"--checkpoint-dir", ckpt}),
                dir.file("first.log"));
  ASSERT_TRUE(first.wait_for_output("round   3/6", 120s)) << first.output();
  cluster.scheduler().kill(SIGKILL);
  EXPECT_EQ(first.wait_exit(30s), 1) << first.output();
  ASSERT_TRUE(std::filesystem::exists(ckpt + "/checkpoint.bin"));

  cluster.start_scheduler("s2.log");
  Process resumed(kTroupe,
                  {"submit", "--scheduler", cluster.endpoint(), "--resume", ckpt, "--min-nodes",
                   "1", "--connect-timeout", "20", "--quiet", "--out", dir.file("resumed.json")},
                  dir.file("resumed.log"));
  ASSERT_EQ(resumed.wait_exit(180s), 0) << resumed.output() << cluster.scheduler().output();
  const auto report = read_json(dir.file("resumed.json"));
  EXPECT_EQ(report["status"], "ok");
  EXPECT_EQ(report["mode"], mode);
  // Round 3 was reported; its checkpoint may or may not have been on disk at the kill.
  EXPECT_GE(report["resumed_from_round"].get<int>(), 2);
  EXPECT_LT(report["resumed_from_round"].get<int>(), 6);
  EXPECT_EQ(report["rounds"].size(), 6u);
  EXPECT_EQ(report["final"]["model_fingerprint"], undisturbed["final"]["model_fingerprint"]);
  EXPECT_EQ(report["final"]["accuracy"], undisturbed["final"]["accuracy"]);
}

}  // namespace

TEST(AsyncResume, AFedAsyncJobWhoseSchedulerWasKilledResumesToTheUndisturbedModel) {
  resumes_to_the_undisturbed_model("async");
}

TEST(AsyncResume, AFedBuffJobWhoseSchedulerWasKilledResumesToTheUndisturbedModel) {
  resumes_to_the_undisturbed_model("buffered");
}

TEST(AsyncResume, ACorruptAsynchronousCheckpointIsRefusedWithTheFileNamed) {
  TempDir dir;
  const auto ckpt = dir.file("ckpt");
  OneNodeCluster cluster(dir);
  Process job(kTroupe,
              async_job(cluster.endpoint(), "buffered",
                        {"--quiet", "--checkpoint-dir", ckpt, "--out", dir.file("r.json")}),
              dir.file("job.log"));
  ASSERT_EQ(job.wait_exit(180s), 0) << job.output();
  // One flipped byte in the middle of the payload.
  const auto file = ckpt + "/checkpoint.bin";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 1000u);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  Process resumed(kTroupe,
                  {"submit", "--scheduler", cluster.endpoint(), "--resume", ckpt,
                   "--connect-timeout", "20", "--quiet"},
                  dir.file("resumed.log"));
  EXPECT_NE(resumed.wait_exit(60s), 0);
  EXPECT_NE(resumed.output().find("cannot resume"), std::string::npos) << resumed.output();
  EXPECT_NE(resumed.output().find("checksum mismatch"), std::string::npos) << resumed.output();
  EXPECT_NE(resumed.output().find(file), std::string::npos) << resumed.output();
}
