#include "runtime/core/federated_metrics.hpp"

#include <gtest/gtest.h>

using troupe::models::ClassificationMetrics;
using troupe::models::metrics_from_confusion;
using troupe::runtime::combine_evaluations;
using troupe::runtime::examples_of;
using troupe::runtime::federated_record;
using troupe::runtime::NodeOutcome;

namespace {

/// Two classes: confusion {tp0, fp->1, fn, tp1} as truth x predicted, and a loss.
ClassificationMetrics two_class(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d,
                                double loss) {
  auto m = metrics_from_confusion({a, b, c, d}, 2);
  m.loss = loss;
  return m;
}

}  // namespace

TEST(FederatedMetrics, AccuracyAndLossAreWeightedByEachNodesHeldOutExamples) {
  // Given a small node that is always right and a node nine times its size
  // that is right half the time
  const auto small = two_class(5, 0, 0, 5, 1.0);    // 10 examples, accuracy 1
  const auto large = two_class(45, 0, 45, 0, 3.0);  // 90 examples, accuracy 0.5
  // When their evaluations are combined
  const auto m = combine_evaluations({small, large});
  // Then each counts by its examples (equal weights would give 0.75 and 2.0)
  EXPECT_DOUBLE_EQ(m.accuracy, (10 * 1.0 + 90 * 0.5) / 100);
  EXPECT_DOUBLE_EQ(m.loss, (10 * 1.0 + 90 * 3.0) / 100);
  EXPECT_EQ(examples_of(m), 100);
}

TEST(FederatedMetrics, PrecisionRecallAndF1ComeFromTheSummedConfusionMatrices) {
  const auto a = two_class(8, 2, 1, 9, 0.5);
  const auto b = two_class(3, 7, 0, 30, 0.5);
  const auto m = combine_evaluations({a, b});
  const auto whole = metrics_from_confusion({11, 9, 1, 39}, 2);
  EXPECT_DOUBLE_EQ(m.precision, whole.precision);
  EXPECT_DOUBLE_EQ(m.recall, whole.recall);
  EXPECT_DOUBLE_EQ(m.f1, whole.f1);
  EXPECT_NE(m.f1, (a.f1 + b.f1) / 2);  // not the mean of the nodes' F1
}

TEST(FederatedMetrics, ANodeWithoutExamplesAndNoNodesAtAllGiveNoWeight) {
  const auto a = two_class(1, 0, 0, 1, 0.2);
  EXPECT_DOUBLE_EQ(combine_evaluations({a, ClassificationMetrics{}}).accuracy, 1.0);
  EXPECT_DOUBLE_EQ(combine_evaluations({}).accuracy, 0.0);
}

TEST(FederatedMetrics, ANodeThatKnowsFewerClassesCountsIntoTheLargerMatrix) {
  const auto a = two_class(1, 0, 0, 1, 0.2);
  const auto b = metrics_from_confusion({1, 0, 0, 0, 1, 0, 0, 0, 1}, 3);
  const auto m = combine_evaluations({a, b});
  EXPECT_EQ(m.num_classes, 3);
  EXPECT_EQ(m.confusion, (std::vector<std::int64_t>{2, 0, 0, 0, 2, 0, 0, 0, 1}));
}

TEST(FederatedMetrics, AConfusionMatrixThatDoesNotMatchItsClassesIsRefused) {
  auto a = two_class(1, 0, 0, 1, 0.2);
  a.confusion.push_back(1);
  EXPECT_THROW(combine_evaluations({a}), std::invalid_argument);
}

TEST(FederatedMetrics, AFailedNodeIsNamedAndLeftOutOfTheWeightedMetrics) {
  const std::vector<NodeOutcome> outcomes{{"n1", two_class(5, 0, 0, 5, 1.0), ""},
                                          {"n2", two_class(0, 5, 5, 0, 9.0), "evaluation failed"},
                                          {"n3", two_class(15, 0, 15, 0, 2.0), ""}};
  const auto rec = federated_record(outcomes);
  EXPECT_EQ(rec.nodes, 2);
  EXPECT_EQ(rec.examples, 40);
  EXPECT_DOUBLE_EQ(rec.accuracy, (10 * 1.0 + 30 * 0.5) / 40);
  ASSERT_EQ(rec.per_node.size(), 3U);
  EXPECT_EQ(rec.per_node[1].node, "n2");
  EXPECT_EQ(rec.per_node[1].error, "evaluation failed");
  EXPECT_EQ(rec.per_node[1].examples, 0);
  EXPECT_EQ(rec.per_node[2].examples, 30);
  EXPECT_DOUBLE_EQ(rec.per_node[2].accuracy, 0.5);
}
