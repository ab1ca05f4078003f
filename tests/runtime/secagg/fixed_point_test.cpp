// Updates as ring vectors: the fixed-point code, its choice for a cohort, and
// the weighted-average round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "runtime/secagg/secure_update.hpp"

namespace troupe::runtime::secagg {
namespace {

models::Parameters layout_with(const std::vector<float>& values) {
  models::Parameters p;
  p.add("w", models::DType::float32, {static_cast<std::int64_t>(values.size())});
  std::copy(values.begin(), values.end(), p.float_data());
  return p;
}

TEST(FixedPoint, ForACohortNeverWrapsAtTheRangeAndIsTheFinestThatFits) {
  for (int n : {1, 2, 10, 100, 1000, 10000}) {
    for (double range : {0.5, 1.0, 64.0, 1000.0}) {
      const auto code = FixedPoint::for_cohort(n, range, 48);
      // n participants at +range, then at -range: the sum decodes exactly.
      std::uint64_t top = 0, bottom = 0;
      for (int i = 0; i < n; ++i) {
        top += code.encode(range);
        bottom += code.encode(-range);
      }
      const double step = std::ldexp(1.0, -code.frac_bits);
      EXPECT_NEAR(code.decode(top), n * range, n * step) << n << " " << range;
      EXPECT_NEAR(code.decode(bottom), -n * range, n * step) << n << " " << range;
      // One bit finer would wrap.
      auto finer = code;
      ++finer.frac_bits;
      std::uint64_t wrapped = 0;
      for (int i = 0; i < n; ++i) wrapped += finer.encode(range);
      EXPECT_FALSE(std::fabs(finer.decode(wrapped) - n * range) <= n * step / 2)
          << n << " " << range;
    }
  }
}

TEST(FixedPoint, RoundTripErrorIsAtMostHalfAStepPerParticipant) {
  const int n = 50;
  const auto code = FixedPoint::for_cohort(n, 4.0, 48);
  const double step = std::ldexp(1.0, -code.frac_bits);
  std::mt19937_64 gen(2);
  std::uniform_real_distribution<double> value(-4.0, 4.0);
  for (int trial = 0; trial < 200; ++trial) {
    double plain = 0;
    std::uint64_t sum = 0;
    for (int i = 0; i < n; ++i) {
      const double v = value(gen);
      plain += v;
      sum += code.encode(v);
    }
    EXPECT_LE(std::fabs(code.decode(sum) - plain), n * step / 2 + 1e-12);
  }
}

TEST(FixedPoint, RefusesCohortsThatCannotFit) {
  EXPECT_THROW(FixedPoint::for_cohort(1 << 20, 1e9, 48), std::invalid_argument);
  EXPECT_THROW(FixedPoint::for_cohort(0, 1.0, 48), std::invalid_argument);
  EXPECT_THROW(FixedPoint::for_cohort(10, -1.0, 48), std::invalid_argument);
  EXPECT_THROW(FixedPoint::for_cohort(10, 1.0, 70), std::invalid_argument);
  EXPECT_THROW(FixedPoint{}.encode(std::nan("")), std::invalid_argument);
}

TEST(SecureUpdate, EncodeThenDecodeGivesTheWeightedAverageChange) {
  const auto base = layout_with({1.0f, 2.0f, -3.0f});
  const auto a = layout_with({1.5f, 2.0f, -3.25f});
  const auto b = layout_with({0.5f, 3.0f, -3.0f});
  const auto code = FixedPoint::for_cohort(2, 8.0, 48);
  const auto ea = encode_update(a, base, 1.0, code);
  const auto eb = encode_update(b, base, 3.0, code);
  ASSERT_EQ(ea.size(), 4u);
  std::vector<std::uint64_t> sum(4);
  for (int i = 0; i < 4; ++i) sum[i] = (ea[i] + eb[i]) & ((std::uint64_t{1} << 48) - 1);
  const auto decoded = decode_sum(sum, base, code);
  EXPECT_DOUBLE_EQ(decoded.total_weight, 4.0);
  const float* avg = decoded.average_change.float_data();
  EXPECT_NEAR(avg[0], (1 * 0.5 + 3 * -0.5) / 4, 1e-6);
  EXPECT_NEAR(avg[1], (1 * 0.0 + 3 * 1.0) / 4, 1e-6);
  EXPECT_NEAR(avg[2], (1 * -0.25 + 3 * 0.0) / 4, 1e-6);
  EXPECT_TRUE(decoded.average_change.same_layout(base));
}

TEST(SecureUpdate, ValuesBeyondTheRangeAreClampedAndCounted) {
  const auto base = layout_with({0.0f, 0.0f, 0.0f});
  const auto trained = layout_with({100.0f, -0.5f, -100.0f});
  const auto code = FixedPoint::for_cohort(1, 2.0, 48);
  std::size_t clamped = 0;
  const auto e = encode_update(trained, base, 1.0, code, &clamped);
  EXPECT_EQ(clamped, 2u);
  EXPECT_DOUBLE_EQ(code.decode(e[0]), 2.0);
  EXPECT_DOUBLE_EQ(code.decode(e[1]), -0.5);
  EXPECT_DOUBLE_EQ(code.decode(e[2]), -2.0);
}

TEST(SecureUpdate, RefusesBadWeightsLayoutsAndNonFiniteValues) {
  const auto base = layout_with({0.0f, 0.0f});
  const auto code = FixedPoint::for_cohort(4, 2.0, 48);
  EXPECT_THROW(encode_update(base, base, 0.0, code), std::invalid_argument);
  EXPECT_THROW(encode_update(base, base, 3.0, code), std::invalid_argument);  // above range
  EXPECT_THROW(encode_update(layout_with({0.0f}), base, 1.0, code), std::invalid_argument);
  EXPECT_THROW(encode_update(layout_with({0.0f, NAN}), base, 1.0, code), std::invalid_argument);
}

TEST(SecureUpdate, DecodeRefusesASumOfTheWrongLengthOrWithoutWeight) {
  const auto base = layout_with({0.0f, 0.0f});
  const auto code = FixedPoint::for_cohort(4, 2.0, 48);
  EXPECT_THROW(decode_sum({0, 0}, base, code), std::runtime_error);
  EXPECT_THROW(decode_sum({0, 0, 0}, base, code), std::runtime_error);  // weight 0
}

}  // namespace
}  // namespace troupe::runtime::secagg
