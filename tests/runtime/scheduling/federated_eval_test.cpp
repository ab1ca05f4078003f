// The synchronous job core with federated evaluation (--eval federated|both):
// after each aggregation every node that delivered an update gets one
// evaluation task of its own held-out examples, and the round's record
// combines their metrics weighted by example count.

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "models/metrics.hpp"
#include "runtime/scheduling/job_core.hpp"

using namespace troupe::runtime;
using troupe::models::ClassificationMetrics;
using troupe::models::metrics_from_confusion;

namespace {

/// Two-class metrics of `right` correct and `wrong` wrong answers (class 0).
ClassificationMetrics answers(std::int64_t right, std::int64_t wrong, double loss) {
  auto m = metrics_from_confusion({right, wrong, 0, 0}, 2);
  m.loss = loss;
  return m;
}

/// Drives a synchronous core over three nodes by hand, one round at a time.
class FederatedRound {
 public:
  explicit FederatedRound(EvalMode mode, int rounds = 1) {
    for (int i = 1; i <= 3; ++i) view_.push_back({"node-" + std::to_string(i)});
    JobCoreInputs in;
    in.spec.nodes = 3;
    in.spec.rounds = rounds;
    in.spec.cluster.policy = "priority";
    in.spec.eval.mode = mode;
    in.shard_sizes.assign(3, 100);
    in.test_size = 50;
    in.nodes = [this] { return UsableNodes{view_, ""}; };
    core_ = make_job_core(std::move(in));
  }

  /// Starts the next round (or the job), trains every shard and aggregates;
  /// returns the evaluation steps the aggregation asked for.
  Steps train_and_aggregate(Steps trains) {
    Steps aggregate;
    for (const auto& s : trains) {
      EXPECT_EQ(s.kind, Step::Kind::train);
      core_->task_started(s.task, ++now_);
      TrainResult r;
      r.samples = 80;
      r.receipt.accepted = true;
      for (auto& a : core_->train_done(s.task, ++now_, r)) aggregate.push_back(a);
    }
    EXPECT_EQ(aggregate.size(), 1U);
    AggregationResult result;
    result.version = ++version_;
    result.changed = true;
    auto evals = core_->aggregated(result, ++now_);
    for (const auto& s : evals)
      if (s.kind == Step::Kind::evaluate) core_->task_started(s.task, now_);
    return evals;
  }
  Steps first_round() { return train_and_aggregate(core_->start(now_)); }

  JobCore& core() { return *core_; }
  double tick() { return ++now_; }

 private:
  std::vector<NodeInfo> view_;
  std::unique_ptr<JobCore> core_;
  double now_ = 0.0;
  std::int64_t version_ = 0;
};

std::map<std::string, Step> held_out_by_node(const Steps& steps) {
  std::map<std::string, Step> out;
  for (const auto& s : steps)
    if (s.kind == Step::Kind::evaluate && s.held_out) out.emplace(s.node, s);
  return out;
}

int central_count(const Steps& steps) {
  int n = 0;
  for (const auto& s : steps) n += s.kind == Step::Kind::evaluate && !s.held_out;
  return n;
}

/// The record's entry of `node`.
const NodeEvaluation& of(const FederatedRecord& f, const std::string& node) {
  for (const auto& n : f.per_node)
    if (n.node == node) return n;
  throw std::out_of_range("no evaluation of " + node);
}

const Step* find_kind(const Steps& steps, Step::Kind kind) {
  for (const auto& s : steps)
    if (s.kind == kind) return &s;
  return nullptr;
}

}  // namespace

TEST(FederatedEvaluation, BothModeIssuesOneCentralAndOneHeldOutTaskPinnedToEachTrainingNode) {
  FederatedRound job(EvalMode::both);
  const auto evals = job.first_round();
  EXPECT_EQ(central_count(evals), 1);
  const auto held_out = held_out_by_node(evals);
  ASSERT_EQ(held_out.size(), 3U);
  for (const auto& [node, s] : held_out) {
    EXPECT_EQ(job.core().task(s.task).node, node);
    EXPECT_EQ(job.core().task(s.task).kind, TaskKind::evaluate);
    EXPECT_EQ(s.version, 1);
  }
}

TEST(FederatedEvaluation, CentralModeIssuesNoHeldOutTasks) {
  FederatedRound job(EvalMode::central);
  const auto evals = job.first_round();
  EXPECT_EQ(central_count(evals), 1);
  EXPECT_TRUE(held_out_by_node(evals).empty());
}

TEST(FederatedEvaluation, TheRoundEndsOnlyWhenEveryEvaluationIsInAndWeighsNodesByExamples) {
  FederatedRound job(EvalMode::both);
  const auto evals = job.first_round();
  auto held_out = held_out_by_node(evals);
  // Given the central evaluation and two of three nodes' answers
  Steps last;
  for (const auto& s : evals)
    if (!s.held_out) last = job.core().evaluated(s.task, job.tick(), answers(40, 10, 0.7));
  EXPECT_TRUE(last.empty()) << "the round waits for the nodes";
  EXPECT_TRUE(
      job.core().evaluated(held_out.at("node-1").task, job.tick(), answers(10, 0, 1.0)).empty());
  EXPECT_TRUE(
      job.core().evaluated(held_out.at("node-2").task, job.tick(), answers(0, 10, 2.0)).empty());
  // When the third, with eight times the examples, answers
  last = job.core().evaluated(held_out.at("node-3").task, job.tick(), answers(60, 20, 3.0));
  // Then the round is recorded: central metrics as before, federated weighted
  const auto* announce = find_kind(last, Step::Kind::announce);
  ASSERT_NE(announce, nullptr);
  const auto& rec = announce->records.back();
  EXPECT_DOUBLE_EQ(rec.accuracy, 0.8);
  EXPECT_EQ(rec.federated.nodes, 3);
  EXPECT_EQ(rec.federated.examples, 100);
  EXPECT_DOUBLE_EQ(rec.federated.accuracy, 70.0 / 100.0);  // equal weights: 0.583
  EXPECT_DOUBLE_EQ(rec.federated.loss, (10 * 1.0 + 10 * 2.0 + 80 * 3.0) / 100.0);
  ASSERT_EQ(rec.federated.per_node.size(), 3U);
  EXPECT_EQ(of(rec.federated, "node-3").examples, 80);
  EXPECT_EQ(of(rec.federated, "node-3").round, 1);
  EXPECT_NE(find_kind(last, Step::Kind::done), nullptr);
}

TEST(FederatedEvaluation, ANodeThatFailsItsEvaluationIsNamedAndLeftOutWithoutHanging) {
  FederatedRound job(EvalMode::both);
  const auto evals = job.first_round();
  auto held_out = held_out_by_node(evals);
  for (const auto& s : evals)
    if (!s.held_out) job.core().evaluated(s.task, job.tick(), answers(40, 10, 0.7));
  job.core().evaluated(held_out.at("node-1").task, job.tick(), answers(10, 0, 1.0));
  // A failed held-out evaluation is not re-placed on another node
  const auto after_failure =
      job.core().task_failed(held_out.at("node-2").task, job.tick(), "out of memory");
  EXPECT_EQ(find_kind(after_failure, Step::Kind::evaluate), nullptr);
  // and a lost node's evaluation ends the round as well
  const auto last = job.core().node_lost("node-3", job.tick(), "connection closed");
  const auto* announce = find_kind(last, Step::Kind::announce);
  ASSERT_NE(announce, nullptr);
  const auto& f = announce->records.back().federated;
  EXPECT_EQ(f.nodes, 1);
  EXPECT_EQ(f.examples, 10);
  EXPECT_DOUBLE_EQ(f.accuracy, 1.0);
  ASSERT_EQ(f.per_node.size(), 3U);
  EXPECT_NE(of(f, "node-2").error.find("out of memory"), std::string::npos);
  EXPECT_NE(of(f, "node-3").error.find("node-3 lost"), std::string::npos);
  EXPECT_EQ(of(f, "node-1").error, "");
}

TEST(FederatedEvaluation, FederatedModeSendsNoCentralTaskAndRecordsTheWeightedMetrics) {
  FederatedRound job(EvalMode::federated, 2);
  auto evals = job.first_round();
  EXPECT_EQ(central_count(evals), 0);
  auto held_out = held_out_by_node(evals);
  ASSERT_EQ(held_out.size(), 3U);
  job.core().evaluated(held_out.at("node-1").task, job.tick(), answers(10, 0, 1.0));
  job.core().evaluated(held_out.at("node-2").task, job.tick(), answers(0, 10, 1.0));
  const auto next =
      job.core().evaluated(held_out.at("node-3").task, job.tick(), answers(20, 60, 1.0));
  const auto* announce = find_kind(next, Step::Kind::announce);
  ASSERT_NE(announce, nullptr);
  // Weighted: 30 of 100 right (equal weights would give 0.4167)
  EXPECT_DOUBLE_EQ(announce->records.back().accuracy, 0.3);
  EXPECT_DOUBLE_EQ(announce->records.back().federated.accuracy, 0.3);
  // The next round starts
  Steps trains;
  for (const auto& s : next)
    if (s.kind == Step::Kind::train) trains.push_back(s);
  EXPECT_EQ(trains.size(), 3U);
}

TEST(FederatedEvaluation, FederatedModeFailsTheJobWhenEveryNodesEvaluationFails) {
  FederatedRound job(EvalMode::federated);
  const auto evals = job.first_round();
  Steps last;
  for (const auto& [node, s] : held_out_by_node(evals))
    last = job.core().task_failed(s.task, job.tick(), "no held-out examples");
  const auto* failed = find_kind(last, Step::Kind::failed);
  ASSERT_NE(failed, nullptr);
  EXPECT_NE(failed->reason.find("federated evaluation of round 1 failed on every node"),
            std::string::npos);
  EXPECT_NE(failed->reason.find("node-2: no held-out examples"), std::string::npos);
}

TEST(FederatedEvaluation, TheAsynchronousModesRefuseIt) {
  JobSpec job;
  job.collab.mode = Mode::async;
  job.eval.mode = EvalMode::federated;
  EXPECT_NE(job.validate().find("--mode sync"), std::string::npos);
  job.eval.mode = EvalMode::central;
  EXPECT_EQ(job.validate(), "");
}
