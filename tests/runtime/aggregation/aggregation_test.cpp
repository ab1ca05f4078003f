#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/parameter_fixtures.hpp"

using troupe::models::DType;
using troupe::models::Parameters;
using namespace troupe::runtime;

namespace {

using troupe::test::two;
using troupe::test::values;

}  // namespace

TEST(WeightedAverage, MatchesHandComputedValues) {
  const auto x = two({1, 2, 3}, {10});
  const auto y = two({3, 6, 9}, {30});
  Parameters out;
  weighted_average({{&x, 1.0}, {&y, 3.0}}, out);
  // (1*x + 3*y) / 4
  const auto v = values(out);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_FLOAT_EQ(v[0], 2.5F);
  EXPECT_FLOAT_EQ(v[1], 5.0F);
  EXPECT_FLOAT_EQ(v[2], 7.5F);
  EXPECT_FLOAT_EQ(v[3], 25.0F);
  EXPECT_EQ(out.tensors, x.tensors);
}

TEST(WeightedAverage, HandlesBuffersLongerThanOneBlock) {
  Parameters x, y;
  x.add("w", DType::float32, {5000});
  y.add("w", DType::float32, {5000});
  for (int i = 0; i < 5000; ++i) {
    x.float_data()[i] = static_cast<float>(i);
    y.float_data()[i] = static_cast<float>(-i);
  }
  Parameters out;
  weighted_average({{&x, 1.0}, {&y, 1.0}}, out);
  for (int i = 0; i < 5000; ++i) ASSERT_FLOAT_EQ(out.float_data()[i], 0.0F);
}

TEST(WeightedAverage, RejectsMismatchedLayoutsZeroWeightsAndNonFloat) {
  const auto x = two({1, 2}, {3});
  const auto y = two({1}, {2, 3});
  Parameters out;
  EXPECT_THROW(weighted_average({{&x, 1.0}, {&y, 1.0}}, out), std::invalid_argument);
  EXPECT_THROW(weighted_average({{&x, 0.0}}, out), std::invalid_argument);
  EXPECT_THROW(weighted_average({}, out), std::invalid_argument);
  Parameters ints;
  ints.add("i", DType::int64, {2});
  EXPECT_THROW(weighted_average({{&ints, 1.0}}, out), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// Element-wise kernels on plain arrays.

TEST(Kernels, SubtractNormsAndDistancesMatchHandComputedValues) {
  const float a[] = {3, 4, 1};
  const float b[] = {1, 1, 1};
  float d[3];
  subtract(a, b, d, 3);
  EXPECT_EQ(std::vector<float>(d, d + 3), (std::vector<float>{2, 3, 0}));
  EXPECT_DOUBLE_EQ(squared_norm(a, 3), 26.0);         // 9 + 16 + 1
  EXPECT_DOUBLE_EQ(squared_distance(a, b, 3), 13.0);  // 4 + 9 + 0
}

TEST(Kernels, PairwiseDistancesAreSymmetricWithAZeroDiagonal) {
  // Long enough to span several blocks: every element differs by the same amount.
  const std::size_t n = 5000;
  std::vector<float> x(n, 0.0F), y(n, 1.0F), z(n, 3.0F);
  const auto d = pairwise_squared_distances({x.data(), y.data(), z.data()}, n);
  ASSERT_EQ(d.size(), 9u);
  EXPECT_DOUBLE_EQ(d[0 * 3 + 1], 1.0 * n);  // (1-0)^2 per element
  EXPECT_DOUBLE_EQ(d[0 * 3 + 2], 9.0 * n);  // (3-0)^2
  EXPECT_DOUBLE_EQ(d[1 * 3 + 2], 4.0 * n);  // (3-1)^2
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(d[i * 3 + i], 0.0);
    for (int j = 0; j < 3; ++j) EXPECT_EQ(d[i * 3 + j], d[j * 3 + i]);
  }
}

TEST(Kernels, KrumScoresSumTheNearestOthers) {
  // Squared distances of 3 points: d01 = 1, d02 = 4, d12 = 9.
  const std::vector<double> d = {0, 1, 4, 1, 0, 9, 4, 9, 0};
  EXPECT_EQ(krum_scores(d, 3, 1), (std::vector<double>{1, 1, 4}));
  EXPECT_EQ(krum_scores(d, 3, 2), (std::vector<double>{5, 10, 13}));
  EXPECT_EQ(krum_scores({0.0}, 1, 0), (std::vector<double>{0}));
  EXPECT_THROW(krum_scores(d, 3, 3), std::invalid_argument);
  EXPECT_THROW(krum_scores(d, 2, 1), std::invalid_argument);
}

TEST(Kernels, ClipDeltaShortensOnlyLongDeltas) {
  const float base[] = {1, 1};
  const float far[] = {4, 5};  // delta (3, 4), norm 5
  float out[2];
  EXPECT_DOUBLE_EQ(clip_delta(base, far, out, 2, 1.0), 5.0);
  EXPECT_FLOAT_EQ(out[0], 1.6F);      // 1 + 3/5
  EXPECT_FLOAT_EQ(out[1], 1.8F);      // 1 + 4/5
  const float near[] = {1.3F, 1.4F};  // delta norm 0.5
  EXPECT_NEAR(clip_delta(base, near, out, 2, 1.0), 0.5, 1e-6);
  EXPECT_EQ(out[0], near[0]);
  EXPECT_EQ(out[1], near[1]);
  EXPECT_THROW(clip_delta(base, far, out, 2, 0.0), std::invalid_argument);
}

TEST(Kernels, CoordinateMedianOfOddAndEvenCounts) {
  const float a[] = {1, 10}, b[] = {2, 20}, c[] = {9, 0}, d[] = {4, 30};
  std::vector<float> scratch;
  float out[2];
  coordinate_median({a, b, c}, 2, out, scratch);
  EXPECT_EQ(std::vector<float>(out, out + 2), (std::vector<float>{2, 10}));
  coordinate_median({a, b, c, d}, 2, out, scratch);
  // Sorted: {1, 2, 4, 9} -> (2 + 4) / 2; {0, 10, 20, 30} -> (10 + 20) / 2.
  EXPECT_EQ(std::vector<float>(out, out + 2), (std::vector<float>{3, 15}));
}

TEST(Kernels, CoordinateMedianSpansBlocks) {
  const std::size_t n = 4500;
  std::vector<float> x(n), y(n), z(n), out(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i);
    y[i] = -static_cast<float>(i);
    z[i] = 7.0F;
  }
  std::vector<float> scratch;
  coordinate_median({x.data(), y.data(), z.data()}, n, out.data(), scratch);
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ(out[i], i < 7 ? static_cast<float>(i) : 7.0F) << "at " << i;
}

TEST(Kernels, TrimmedMeanDropsTheExtremesOfEachCoordinate) {
  const float a[] = {1, 5}, b[] = {2, 6}, c[] = {3, 7}, d[] = {100, -100};
  std::vector<float> scratch;
  float out[2];
  coordinate_trimmed_mean({a, b, c, d}, 2, 1, out, scratch);
  // Sorted {1, 2, 3, 100} keeps (2 + 3) / 2; {-100, 5, 6, 7} keeps (5 + 6) / 2.
  EXPECT_EQ(std::vector<float>(out, out + 2), (std::vector<float>{2.5F, 5.5F}));
  coordinate_trimmed_mean({a, b, c, d}, 2, 0, out, scratch);
  EXPECT_FLOAT_EQ(out[0], 26.5F);  // (1 + 2 + 3 + 100) / 4
  EXPECT_THROW(coordinate_trimmed_mean({a, b, c, d}, 2, 2, out, scratch), std::invalid_argument);
  EXPECT_THROW(coordinate_median({}, 2, out, scratch), std::invalid_argument);
}

TEST(Kernels, MomentumStepAccumulatesTheVelocity) {
  // lr 1, momentum 0.5. Round 1: d = 2 - 0, v = 2, x = 2. Round 2: d = 3 - 2 = 1,
  // v = 0.5 * 2 + 1 = 2, x = 2 + 2 = 4.
  float x[] = {0}, v[] = {0};
  const float avg1[] = {2}, avg2[] = {3};
  momentum_step(x, avg1, v, x, 1, 1.0, 0.5);
  EXPECT_EQ(x[0], 2.0F);
  EXPECT_EQ(v[0], 2.0F);
  momentum_step(x, avg2, v, x, 1, 1.0, 0.5);
  EXPECT_EQ(v[0], 2.0F);
  EXPECT_EQ(x[0], 4.0F);
}

TEST(Kernels, AdaptiveStepsMatchHandComputedValues) {
  // Two steps with pseudo-gradient d = 1 each, beta1 0.9, beta2 0.99, tau 1e-3, lr 1:
  //   m: 0.1, then 0.9 * 0.1 + 0.1 = 0.19
  //   adam v: 0.01, then 0.99 * 0.01 + 0.01 = 0.0199
  //   yogi v: 0 - 0.01 * sign(0 - 1) = 0.01, then 0.01 - 0.01 * sign(0.01 - 1) = 0.02
  //   adagrad v: 1, then 2
  //   x1 = m / (sqrt(v) + tau), x2 = x1 + m / (sqrt(v) + tau)
  struct Case {
    SecondMoment rule;
    double x1, x2;
  };
  const Case cases[] = {{SecondMoment::adam, 0.1 / 0.101, 2.3274928},
                        {SecondMoment::yogi, 0.1 / 0.101, 2.3241686},
                        {SecondMoment::adagrad, 0.1 / 1.001, 0.2341555}};
  for (const auto& c : cases) {
    AdaptiveStep step;
    step.rule = c.rule;
    float x[] = {0}, m[] = {0}, v[] = {0};
    float avg[] = {1};
    adaptive_step(x, avg, m, v, x, 1, step);
    EXPECT_NEAR(x[0], c.x1, 1e-5);
    EXPECT_NEAR(m[0], 0.1, 1e-6);
    avg[0] = x[0] + 1.0F;
    adaptive_step(x, avg, m, v, x, 1, step);
    EXPECT_NEAR(x[0], c.x2, 1e-5);
    EXPECT_NEAR(m[0], 0.19, 1e-6);
  }
}
