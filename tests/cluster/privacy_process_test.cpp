// Differential privacy across real processes: the options travel with the
// job, nodes noise their own updates (local), the aggregator process clips
// adaptively (central), and the privacy record comes back to `troupe submit`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/cluster.hpp"
#include "cluster/troupe_cluster.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

/// The embedded run of the submitted job: 3 shards, 2 rounds, a small MLP.
troupe::runtime::JobSpec small_job() {
  troupe::runtime::JobSpec job;
  job.train.model = troupe::runtime::ModelKind::mlp;
  job.nodes = 3;
  job.rounds = 2;
  job.data.train_limit = 3000;
  job.data.test_limit = 500;
  job.compute.threads = 1;
  job.data.data_dir = fashion_mnist_dir();
  job.privacy.noise_multiplier = 0.01;
  job.privacy.clip_norm = 0.5;
  return job;
}

}  // namespace

TEST(PrivacyProcesses, LocalAndAdaptiveCentralDpGiveTheEmbeddedModelAndPrivacyRecord) {
  TempDir dir;
  SchedulerProcess scheduler(dir, {"--heartbeat-timeout", "10"});
  ASSERT_GT(scheduler.port(), 0) << scheduler.process().output();
  std::vector<std::unique_ptr<Process>> nodes;
  for (const std::string name : {"n1", "n2"})
    nodes.push_back(std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"node", "--scheduler", scheduler.endpoint(), "--name", name,
                                 "--threads", "1", "--quiet"},
        dir.file(name + ".log")));
  ASSERT_TRUE(eventually(
      [&] { return alive_nodes(troupe_status_json(dir, scheduler.endpoint())) >= 2; }, 20s, 100ms));
  for (const std::string mode : {"local", "central"}) {
    const bool adaptive = mode == "central";
    // clang-format off
    std::vector<std::string> args{
        "submit", "--scheduler", scheduler.endpoint(), "--model", "mlp", "--nodes", "3",
        "--rounds", "2", "--train-limit", "3000", "--test-limit", "500", "--threads", "1",
        "--data-dir", fashion_mnist_dir(), "--dp", mode, "--dp-noise-multiplier", "0.01",
        "--dp-clip-norm", "0.5", "--dp-reproducible-noise", "--quiet", "--out",
        dir.file(mode + ".json")};
    // clang-format on
    if (adaptive) args.insert(args.end(), {"--dp-adaptive-clip", "0.5"});
    Process submit(kTroupe, args, dir.file("submit-" + mode + ".log"));
    ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output();

    auto job = small_job();
    job.privacy.mode = adaptive ? troupe::runtime::DpMode::central : troupe::runtime::DpMode::local;
    if (adaptive) job.privacy.adaptive_clip = 0.5;
    job.privacy.reproducible_noise = true;
    const auto embedded = troupe::actors::run_embedded(job);
    ASSERT_EQ(embedded.status, troupe::runtime::RunStatus::ok) << embedded.error;

    const auto remote = read_json(dir.file(mode + ".json"));
    EXPECT_EQ(remote["final"]["model_fingerprint"], embedded.model_fingerprint) << mode;
    const auto& p = remote.at("privacy");
    EXPECT_EQ(p.at("mode"), mode);
    EXPECT_EQ(p.at("epsilon").get<std::vector<double>>(), embedded.privacy.epsilon) << mode;
    if (adaptive) {
      const auto norms = p.at("clip_norms").get<std::vector<double>>();
      ASSERT_EQ(norms.size(), 2u);
      EXPECT_EQ(norms, embedded.privacy.clip_norms);
      EXPECT_NE(norms[0], norms[1]);  // the aggregator process moved it
    }
  }
}
