#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
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

// ---------------------------------------------------------------------------
// The weighted sum: blocked, four inputs per pass, two threads for large
// arrays, and still bit-identical to one input per pass.

namespace {

/// Values of varied magnitude and sign, so rounding differs between orders.
std::vector<float> noisy(std::size_t n, std::uint32_t seed) {
  std::vector<float> v(n);
  std::uint32_t s = seed * 2654435761u + 1u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = (static_cast<float>(s >> 8) / 16777216.0F - 0.5F) * static_cast<float>(1u << (s & 7u));
  }
  return v;
}

/// The reference order: out = w0 * x0, then out += wk * xk for k = 1, 2, ...
std::vector<float> naive_weighted_sum(const std::vector<std::vector<float>>& xs,
                                      const std::vector<float>& w, std::size_t n) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = w[0] * xs[0][i];
  for (std::size_t k = 1; k < xs.size(); ++k)
    for (std::size_t i = 0; i < n; ++i) out[i] += w[k] * xs[k][i];
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace

TEST(WeightedSum, IsBitIdenticalToOneInputPerPassOnOneAndTwoThreadsForOddSizes) {
  // Sizes around the 4096-element block, the 16-float split alignment and the
  // default split threshold; input counts around the four inputs per pass.
  const std::size_t sizes[] = {0, 1, 7, 17, 4095, 4096, 4097, 2 * 4096 + 3, (1u << 20) + 5};
  const std::size_t counts[] = {1, 3, 4, 5, 8, 10};
  const KernelOptions modes[] = {KernelOptions::single_thread(), KernelOptions::always_split(),
                                 KernelOptions::automatic()};
  for (const std::size_t n : sizes) {
    for (const std::size_t k : counts) {
      std::vector<std::vector<float>> xs;
      std::vector<const float*> ptrs;
      std::vector<float> w;
      for (std::size_t j = 0; j < k; ++j) {
        xs.push_back(noisy(n, static_cast<std::uint32_t>(j + 1)));
        w.push_back(0.1F + 0.37F * static_cast<float>(j));
      }
      for (const auto& x : xs) ptrs.push_back(x.data());
      const auto expected = naive_weighted_sum(xs, w, n);
      for (const auto& mode : modes) {
        std::vector<float> out(n, -1.0F);
        weighted_sum(ptrs, w, out.data(), n, mode);
        ASSERT_TRUE(same_bits(out, expected))
            << "n=" << n << " k=" << k << " parallel_from=" << mode.parallel_from;
      }
    }
  }
}

TEST(WeightedSum, RefusesNoInputsNullPointersAndAWeightCountThatDiffers) {
  const float x[] = {1, 2};
  float out[2];
  EXPECT_THROW(weighted_sum({}, {}, out, 2), std::invalid_argument);
  EXPECT_THROW(weighted_sum({x}, {1.0F, 2.0F}, out, 2), std::invalid_argument);
  EXPECT_THROW(weighted_sum({x, nullptr}, {1.0F, 2.0F}, out, 2), std::invalid_argument);
  EXPECT_THROW(weighted_sum({x}, {1.0F}, nullptr, 2), std::invalid_argument);
}

TEST(WeightedAverage, NormalisesTheWeightsAndMatchesTheReferenceBitsOnTwoThreads) {
  // Given three updates of more than the split threshold and weights 1, 2, 5
  const std::size_t n = (1u << 20) + 9;
  std::vector<Parameters> ps(3);
  std::vector<std::vector<float>> xs;
  for (std::size_t k = 0; k < 3; ++k) {
    xs.push_back(noisy(n, static_cast<std::uint32_t>(10 + k)));
    ps[k].add("w", DType::float32, {static_cast<std::int64_t>(n)});
    std::memcpy(ps[k].float_data(), xs[k].data(), n * sizeof(float));
  }
  // When they are averaged with the default (split) and on one thread
  Parameters split, single;
  weighted_average({{&ps[0], 1.0}, {&ps[1], 2.0}, {&ps[2], 5.0}}, split);
  weighted_average({{&ps[0], 1.0}, {&ps[1], 2.0}, {&ps[2], 5.0}}, single,
                   KernelOptions::single_thread());
  // Then both equal the reference with weights 1/8, 2/8, 5/8, bit for bit
  const auto expected = naive_weighted_sum(xs, {0.125F, 0.25F, 0.625F}, n);
  EXPECT_TRUE(same_bits(values(split), expected));
  EXPECT_TRUE(same_bits(values(single), expected));
}

TEST(Kernels, MixAccumulateAndApplyGiveTheSameBitsOnOneAndTwoThreads) {
  const std::size_t n = 4096 * 3 + 5;
  Parameters x, y, base;
  for (auto* p : {&x, &y, &base}) p->add("w", DType::float32, {static_cast<std::int64_t>(n)});
  const auto vx = noisy(n, 1), vy = noisy(n, 2), vb = noisy(n, 3);
  std::memcpy(x.float_data(), vx.data(), n * sizeof(float));
  std::memcpy(y.float_data(), vy.data(), n * sizeof(float));
  std::memcpy(base.float_data(), vb.data(), n * sizeof(float));
  auto run = [&](const KernelOptions& mode) {
    Parameters m = x, acc;
    mix_into(m, y, 0.3, mode);
    accumulate_delta(acc, y, base, 0.7, mode);
    apply_delta(m, acc, 1.5, mode);
    return values(m);
  };
  // The reference, one element at a time in the documented order, with the
  // weights rounded to float as the kernels round them.
  const float a = static_cast<float>(0.3), w = static_cast<float>(0.7);
  std::vector<float> expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float mixed = (1.0F - a) * vx[i] + a * vy[i];
    const float acc = 0.0F + w * (vy[i] - vb[i]);
    expected[i] = mixed + 1.5F * acc;
  }
  EXPECT_TRUE(same_bits(run(KernelOptions::single_thread()), expected));
  EXPECT_TRUE(same_bits(run(KernelOptions::always_split()), expected));
}
