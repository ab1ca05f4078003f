#include "actors/cluster.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

using namespace troupe;

namespace {

runtime::JobSpec small_job() {
  runtime::JobSpec job;
  job.nodes = 3;
  job.rounds = 2;
  job.data.train_limit = 3000;
  job.data.test_limit = 2000;
  job.compute.threads = 1;
  job.train.model = runtime::ModelKind::mlp;
  job.data.data_dir = test::fashion_mnist_dir();
  return job;
}

}  // namespace

TEST(EmbeddedCluster, ThreeNodesTrainTwoRoundsAndBeatChanceByAWideMargin) {
  const auto report = actors::run_embedded(small_job());
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  ASSERT_EQ(report.rounds.size(), 2u);
  EXPECT_GT(report.final_metrics.accuracy, 0.6);  // chance is 0.1
  EXPECT_EQ(report.rounds[1].updates, 3);
  EXPECT_EQ(report.rounds[1].version, 2);
  // 2 rounds x (3 training + 1 evaluation) tasks, all done, on the 3 nodes
  ASSERT_EQ(report.tasks.size(), 8u);
  for (const auto& t : report.tasks) {
    EXPECT_EQ(t.state, runtime::TaskState::done);
    EXPECT_FALSE(t.node.empty());
    EXPECT_GE(t.finished_at, t.started_at);
  }
  EXPECT_EQ(report.nodes.size(), 3u);
  EXPECT_GT(report.efficiency.makespan_s, 0.0);
}

TEST(EmbeddedCluster, SameSeedGivesTheSameModelQuality) {
  auto job = small_job();
  job.rounds = 1;
  const auto a = actors::run_embedded(job);
  const auto b = actors::run_embedded(job);
  ASSERT_EQ(a.status, runtime::RunStatus::ok) << a.error;
  EXPECT_EQ(a.final_metrics.confusion, b.final_metrics.confusion);
  EXPECT_EQ(a.final_metrics.loss, b.final_metrics.loss);
}

TEST(EmbeddedCluster, MissingDataFailsTheJobWithTheDebianPackageName) {
  auto job = small_job();
  job.data.data_dir = "/nonexistent/troupe";
  const auto report = actors::run_embedded(job);
  EXPECT_EQ(report.status, runtime::RunStatus::failed);
  EXPECT_NE(report.error.find("dataset-fashion-mnist"), std::string::npos) << report.error;
}

TEST(EmbeddedCluster, AnInvalidJobIsRefusedBeforeAnythingStarts) {
  auto job = small_job();
  job.train.lr = -1.0;  // an unknown model name no longer fits in a JobSpec
  const auto report = actors::run_embedded(job);
  EXPECT_EQ(report.status, runtime::RunStatus::failed);
  EXPECT_NE(report.error.find("--lr"), std::string::npos);
}

TEST(EmbeddedCluster, AnUnknownPolicyIsRefused) {
  auto job = small_job();
  job.cluster.policy = "nope";
  const auto report = actors::run_embedded(job);
  EXPECT_EQ(report.status, runtime::RunStatus::failed);
  EXPECT_NE(report.error.find("nope"), std::string::npos);
}

TEST(EmbeddedCluster, ExamplesPerNodeGivesMoreNodesThanTheDataCouldBeSplitIntoTheirOwnSamples) {
  // 40 nodes x 64 examples from 600: a split would give 15 each; every node
  // draws its own 64 (samples overlap), and 8 are sampled per round.
  auto job = small_job();
  job.nodes = 40;
  job.rounds = 3;
  job.data.train_limit = 600;
  job.data.examples_per_node = 64;
  job.sync.clients_per_round = 8;
  const auto report = actors::run_embedded(job);
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  ASSERT_EQ(report.rounds.size(), 3u);
  int trained = 0;
  for (const auto& t : report.tasks)
    if (t.kind == runtime::TaskKind::train && t.state == runtime::TaskState::done) {
      EXPECT_EQ(t.samples, 64);
      ++trained;
    }
  EXPECT_GE(trained, 24);
  EXPECT_GT(report.final_metrics.accuracy, 0.3);  // chance is 0.1
}

TEST(EmbeddedCluster, ExamplesPerNodeBeyondTheTrainingSetFailsTheJobNamingBoth) {
  auto job = small_job();
  job.data.train_limit = 100;
  job.data.examples_per_node = 101;
  const auto report = actors::run_embedded(job);
  EXPECT_EQ(report.status, runtime::RunStatus::failed);
  EXPECT_NE(report.error.find("101 examples per node, but the training set has 100"),
            std::string::npos)
      << report.error;
}

TEST(EmbeddedCluster, NodesOnSharedWorkerThreadsTrainTheModelNodesOnTheirOwnThreadsDo) {
  // Above EmbeddedOptions::own_thread_nodes the nodes share the actor
  // system's workers and borrow trainers from one pool (and, sampled, keep
  // no model between tasks); the model must be the one nodes on their own
  // threads, each with its own trainer, train, and evaluate the same on
  // their held-out examples. Sampled, and all training every round; the MLP
  // and the CNN.
  for (const int per_round : {5, 0}) {
    for (const auto model : {runtime::ModelKind::mlp, runtime::ModelKind::cnn}) {
      auto job = small_job();
      // Nodes also evaluate on their held-out examples: all-active nodes on
      // their own threads keep an evaluator each, pooled or sampled ones make
      // one for each evaluation.
      job.eval.mode = runtime::EvalMode::both;
      job.nodes = 12;
      job.rounds = 2;
      job.train.model = model;
      job.data.train_limit = 600;
      job.data.examples_per_node = 48;
      job.sync.clients_per_round = per_round;
      actors::EmbeddedOptions own, pooled;
      pooled.own_thread_nodes = 4;
      const auto a = actors::run_embedded(job, own);
      const auto b = actors::run_embedded(job, pooled);
      SCOPED_TRACE(std::to_string(per_round) + " per round, " + models::to_string(model));
      ASSERT_EQ(a.status, runtime::RunStatus::ok) << a.error;
      ASSERT_EQ(b.status, runtime::RunStatus::ok) << b.error;
      EXPECT_FALSE(a.model_fingerprint.empty());
      EXPECT_EQ(a.model_fingerprint, b.model_fingerprint);
      EXPECT_EQ(a.final_metrics.confusion, b.final_metrics.confusion);
      const auto& fa = a.rounds.back().federated;
      const auto& fb = b.rounds.back().federated;
      ASSERT_TRUE(fa.present());
      EXPECT_GT(fa.examples, 0);
      EXPECT_EQ(fa.examples, fb.examples);
      EXPECT_EQ(fa.accuracy, fb.accuracy);
      EXPECT_EQ(fa.loss, fb.loss);
    }
  }
}
