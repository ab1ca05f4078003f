// Clipping and Gaussian noise over flat buffers.
#include "runtime/privacy/dp_noise.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

using namespace troupe::runtime;

namespace {

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

}  // namespace

TEST(DpNoise, ClippingBoundsTheNormAndKeepsTheDirection) {
  NoiseGenerator rng(7);
  std::normal_distribution<double> normal(0.0, 3.0);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> v(1000);
    for (auto& x : v) x = static_cast<float>(normal(rng));
    const auto original = v;
    const double before = clip_to_norm(v.data(), v.size(), 1.5);
    EXPECT_NEAR(before, norm(original), 1e-6 * before);
    EXPECT_LE(norm(v), 1.5);
    EXPECT_NEAR(norm(v), 1.5, 1e-4);
    EXPECT_NEAR(v[3] / original[3], v[7] / original[7], 1e-5);
  }
}

TEST(DpNoise, ClippingLeavesAShortChangeAsItIs) {
  std::vector<float> v{0.3f, -0.4f};
  EXPECT_NEAR(clip_to_norm(v.data(), v.size(), 1.0), 0.5, 1e-7);
  EXPECT_EQ(v, (std::vector<float>{0.3f, -0.4f}));
}

TEST(DpNoise, ClippingZeroesAChangeWithNoFiniteNorm) {
  std::vector<float> v{1.0f, std::numeric_limits<float>::infinity()};
  clip_to_norm(v.data(), v.size(), 1.0);
  EXPECT_EQ(v, (std::vector<float>{0.0f, 0.0f}));
  EXPECT_THROW(clip_to_norm(v.data(), v.size(), 0.0), std::invalid_argument);
}

TEST(DpNoise, NoiseHasMeanZeroAndTheRequestedStandardDeviation) {
  NoiseGenerator rng(11);
  std::vector<float> v(200000, 5.0f);
  add_gaussian_noise(v.data(), v.size(), 0.8, rng);
  double sum = 0, sq = 0;
  for (float x : v) {
    sum += x - 5.0;
    sq += (x - 5.0) * (x - 5.0);
  }
  const double mean = sum / v.size();
  const double sd = std::sqrt(sq / v.size() - mean * mean);
  // Standard errors: 0.8 / sqrt(n) = 0.0018 for the mean, about 0.0013 for sd.
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(sd, 0.8, 0.01);
}

TEST(DpNoise, TheSameSeedGivesTheSameNoiseAndAnotherSeedOther) {
  std::vector<float> a(100, 0.0f), b(100, 0.0f), c(100, 0.0f);
  NoiseGenerator ra(noise_seed(42, 1, 3, 0)), rb(noise_seed(42, 1, 3, 0)),
      rc(noise_seed(42, 1, 4, 0));
  add_gaussian_noise(a.data(), a.size(), 1.0, ra);
  add_gaussian_noise(b.data(), b.size(), 1.0, rb);
  add_gaussian_noise(c.data(), c.size(), 1.0, rc);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(noise_seed(42, 1, 3, 0), noise_seed(42, 2, 3, 0));
  EXPECT_NE(noise_seed(42, 1, 3, 0), noise_seed(42, 1, 3, 1));
}
