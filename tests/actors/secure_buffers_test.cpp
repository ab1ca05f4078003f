// Buffered secure aggregation end to end in one process: every FedBuff buffer
// of K updates is one secure sum; the job advances versions, its rounds count
// the buffers' members once, it lands near the plain buffered run, and a node
// that vanishes after sharing its keys is recovered.
#include <gtest/gtest.h>

#include "actors/cluster.hpp"
#include "runtime/secure/secure_round.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

runtime::JobSpec buffered_job() {
  runtime::JobSpec job;
  job.nodes = 6;
  job.rounds = 3;
  job.collab.mode = runtime::Mode::buffered;
  job.async.buffer_size = 3;
  // Tasks long enough (2,000 examples) that a buffer's four stages do not
  // leave the nodes training from much older versions than plain FedBuff's.
  job.data.train_limit = 12000;
  job.data.test_limit = 1000;
  job.train.model = runtime::ModelKind::mlp;
  job.data.data_dir = test::fashion_mnist_dir();
  job.cluster.task_timeout_s = 10;  // a stage waits 2 s for a vanished node
  return job;
}

/// The secure counts of all rounds together.
runtime::SecureSumRecord total(const runtime::RunReport& r) {
  runtime::SecureSumRecord t;
  for (const auto& x : r.rounds) {
    t.participants += x.secure.participants;
    t.included += x.secure.included;
    t.recovered += x.secure.recovered;
    t.excluded += x.secure.excluded;
    t.sums += x.secure.sums;
  }
  return t;
}

}  // namespace

TEST(SecureBuffers, ABufferedSecureJobAdvancesVersionsCountsEveryHeldUpdateOnceAndLandsNearPlain) {
  auto plain = buffered_job();
  auto secure = plain;
  secure.privacy.secure_aggregation = true;
  const auto a = actors::run_embedded(plain);
  const auto b = actors::run_embedded(secure);
  ASSERT_EQ(a.status, runtime::RunStatus::ok) << a.error;
  ASSERT_EQ(b.status, runtime::RunStatus::ok) << b.error;
  ASSERT_EQ(b.rounds.size(), 3u);
  // Every held update went into exactly one buffer's roster.
  const auto t = total(b);
  int updates = 0;
  for (const auto& r : b.rounds) updates += r.updates;
  EXPECT_EQ(t.participants, updates);
  EXPECT_EQ(t.included + t.recovered + t.excluded, t.participants);
  EXPECT_EQ(t.recovered, 0);
  EXPECT_GE(t.sums, updates / 3 - 1) << "about one secure sum per K = 3 updates";
  EXPECT_GE(t.included, updates - 2) << "at most a lone last joiner is left out";
  // Each round evaluates the versions its buffers made.
  EXPECT_GT(b.rounds.front().version, 0);
  EXPECT_GT(b.rounds.back().version, b.rounds.front().version);
  EXPECT_EQ(b.rounds.back().version, t.sums);
  for (const auto& r : a.rounds) EXPECT_EQ(r.secure.sums, 0);
  // Near plain FedBuff, not equal: a buffer's version comes after its four
  // stages, so the nodes train from somewhat older versions, and how much
  // older depends on the machine's load (measured, seeds 1 and 2: 0.793 /
  // 0.794 against plain's 0.813 / 0.817 on an idle machine; 0.749 against
  // 0.812 in a loaded CI run). A wrong sum lands near chance (0.1), far
  // outside this band.
  EXPECT_NEAR(b.final_metrics.accuracy, a.final_metrics.accuracy, 0.12);
  EXPECT_NE(b.model_fingerprint, a.model_fingerprint);
  EXPECT_GT(b.final_metrics.accuracy, 0.65);
}

TEST(SecureBuffers, ANodeThatVanishesAfterSharingItsKeysIsRecoveredAndTheJobEnds) {
  auto job = buffered_job();
  job.privacy.secure_aggregation = true;
  actors::EmbeddedOptions options;
  options.spawn_node = [](caf::actor_system& system, actors::NodeConfig config) {
    if (config.name == "node-2")
      config.secure_vanish_after = static_cast<int>(runtime::SecureStage::share);
    return actors::spawn_node(system, std::move(config));
  };
  const auto report = actors::run_embedded(job, options);
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  const auto t = total(report);
  EXPECT_GE(t.recovered, 1);
  EXPECT_EQ(t.included + t.recovered + t.excluded, t.participants);
  EXPECT_GT(report.rounds.back().version, 0);
  // Learned, not exact: buffered versions come late, and more so with a
  // dropout per buffer and a loaded machine (0.686 in a full ctest run with a
  // build beside it); a sum left masked lands near chance (0.1).
  EXPECT_GT(report.final_metrics.accuracy, 0.5);
}
