// What an honest-but-curious server holds: masked inputs that look uniform
// whatever the inputs were, and nothing that tracks any one input; yet their
// unmasked sum is right.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/secagg/cohort_runner.hpp"

namespace troupe::runtime::secagg {
namespace {

using testing::CohortPlan;
using testing::plain_sum;
using testing::run_cohort;

// Chi-square statistic of the top byte of each element over 256 bins.
double top_byte_chi_square(const std::vector<std::uint64_t>& values, int bits) {
  std::vector<double> bins(256, 0.0);
  for (auto v : values) bins[(v >> (bits - 8)) & 0xff] += 1;
  const double expected = static_cast<double>(values.size()) / 256;
  double chi = 0;
  for (double b : bins) chi += (b - expected) * (b - expected) / expected;
  return chi;
}

// 255 degrees of freedom: P[chi^2 > 400] is about 1e-8 (Wilson-Hilferty), so
// an honest run fails this by chance less than once in a million.
constexpr double kChiSquareLimit = 400.0;

void expect_uniform(const std::vector<std::vector<std::uint64_t>>& held, int bits) {
  ASSERT_FALSE(held.empty());
  for (std::size_t i = 0; i < held.size(); ++i) {
    const auto& v = held[i];
    EXPECT_LT(top_byte_chi_square(v, bits), kChiSquareLimit) << "masked input " << i;
    // Every bit is set in about half the elements (6 standard deviations).
    const double tolerance = 6 * 0.5 / std::sqrt(static_cast<double>(v.size()));
    for (int bit = 0; bit < bits; ++bit) {
      double ones = 0;
      for (auto x : v) ones += (x >> bit) & 1;
      EXPECT_NEAR(ones / v.size(), 0.5, tolerance) << "masked input " << i << ", bit " << bit;
    }
  }
}

TEST(HeldMaskedInputs, AllZeroInputsLookUniformToTheServerYetSumToZero) {
  CohortPlan plan;
  plan.participants = 20;
  plan.length = 8192;
  const auto run = run_cohort(plan, [](int, std::int64_t) { return std::uint64_t{0}; });
  expect_uniform(run.held, plan.bits);
  EXPECT_EQ(run.result.sum, std::vector<std::uint64_t>(plan.length, 0));
}

TEST(HeldMaskedInputs, AllEqualInputsLookUniformWithDropoutsToo) {
  CohortPlan plan;
  plan.participants = 30;
  plan.length = 8192;
  plan.drop_before_masked = {100, 107, 113, 121, 122, 129};
  const auto run = run_cohort(plan, [](int, std::int64_t) { return std::uint64_t{12345}; });
  expect_uniform(run.held, plan.bits);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, plan.bits));
}

TEST(HeldMaskedInputs, NoMaskedInputEqualsOrTracksItsInput) {
  CohortPlan plan;
  plan.participants = 10;
  plan.length = 8192;
  // Inputs with structure: a ramp, different per participant.
  const auto run = run_cohort(
      plan, [](int i, std::int64_t k) { return static_cast<std::uint64_t>(k) << (20 + i); });
  ASSERT_EQ(run.held.size(), run.inputs.size());
  for (std::size_t i = 0; i < run.held.size(); ++i) {
    const auto& x = run.inputs[i];
    const auto& y = run.held[i];
    std::size_t equal = 0;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      equal += x[k] == y[k];
      const double a = static_cast<double>(x[k]), b = static_cast<double>(y[k]);
      sx += a, sy += b, sxx += a * a, syy += b * b, sxy += a * b;
    }
    const double n = static_cast<double>(x.size());
    const double r = (sxy - sx * sy / n) / std::sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
    EXPECT_LE(equal, 2u) << "masked input " << i;
    EXPECT_LT(std::fabs(r), 6 / std::sqrt(n)) << "masked input " << i;
  }
  EXPECT_EQ(run.result.sum, plain_sum(run, run.ids, plan.bits));
}

TEST(HeldMaskedInputs, TheSameParticipantsMaskDifferentlyInAnotherCohort) {
  CohortPlan a;
  a.participants = 6;
  a.length = 256;
  CohortPlan b = a;
  b.cohort = a.cohort + 1;  // same client seeds, same inputs: only the tag differs
  const auto zero = [](int, std::int64_t) { return std::uint64_t{0}; };
  const auto ra = run_cohort(a, zero), rb = run_cohort(b, zero);
  for (std::size_t i = 0; i < ra.held.size(); ++i) EXPECT_NE(ra.held[i], rb.held[i]) << i;
}

}  // namespace
}  // namespace troupe::runtime::secagg
