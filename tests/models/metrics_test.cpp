#include "models/metrics.hpp"

#include <gtest/gtest.h>

using troupe::models::compute_metrics;

TEST(Metrics, MatchHandComputedValuesOnThreeClasses) {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2
  const auto m = compute_metrics({0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2}, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 4.0 / 6.0);
  // precision: c0 2/2, c1 1/2, c2 1/2 -> mean 2/3
  EXPECT_DOUBLE_EQ(m.precision, (1.0 + 0.5 + 0.5) / 3.0);
  // recall: c0 2/3, c1 1/2, c2 1/1
  EXPECT_DOUBLE_EQ(m.recall, (2.0 / 3.0 + 0.5 + 1.0) / 3.0);
  // f1: c0 0.8, c1 0.5, c2 2/3
  EXPECT_NEAR(m.f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0, 1e-12);
  EXPECT_EQ(m.at(0, 1), 1);
  EXPECT_EQ(m.at(1, 2), 1);
  EXPECT_EQ(m.at(2, 2), 1);
}

TEST(Metrics, AClassNeverPredictedHasZeroPrecisionAndCountsInTheMacroAverage) {
  const auto m = compute_metrics({0, 1}, {0, 0}, 2);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.precision, 0.25);  // c0: 1/2, c1: 0
  EXPECT_DOUBLE_EQ(m.recall, 0.5);      // c0: 1, c1: 0
}

TEST(Metrics, PerfectPredictionsScoreOne) {
  const auto m = compute_metrics({0, 1, 2, 3}, {0, 1, 2, 3}, 4);
  EXPECT_DOUBLE_EQ(m.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(m.precision, 1.0);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.f1, 1.0);
}

TEST(Metrics, RejectOutOfRangeClassesAndLengthMismatch) {
  EXPECT_THROW(compute_metrics({0, 5}, {0, 1}, 3), std::invalid_argument);
  EXPECT_THROW(compute_metrics({0}, {0, 1}, 3), std::invalid_argument);
}
