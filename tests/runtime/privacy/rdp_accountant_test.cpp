// The RDP accountant against published values and its expected shape.
#include "runtime/privacy/rdp_accountant.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace troupe::runtime;

namespace {

/// MNIST in the DP-SGD tutorials: 60,000 examples, batches of 256.
constexpr double kMnistQ = 256.0 / 60000.0;

/// The orders of TensorFlow Privacy's MNIST tutorial (mnist_dpsgd_tutorial.py,
/// compute_epsilon): 1.1, 1.2, ..., 10.9, then 12..63.
std::vector<double> tutorial_orders() {
  std::vector<double> o;
  for (int x = 1; x < 100; ++x) o.push_back(1 + x / 10.0);
  for (int a = 12; a < 64; ++a) o.push_back(a);
  return o;
}

double classic_tutorial_epsilon(double sigma, int epochs) {
  const auto orders = tutorial_orders();
  const std::int64_t steps = static_cast<std::int64_t>(epochs) * 60000 / 256;
  std::vector<double> rdp;
  for (double a : orders) rdp.push_back(sampled_gaussian_rdp(kMnistQ, sigma, a) * steps);
  return rdp_to_epsilon(orders, rdp, 1e-5, RdpConversion::classic).epsilon;
}

}  // namespace

// Source: tensorflow/privacy, tensorflow_privacy/privacy/analysis/
// compute_dp_sgd_privacy_test.py, test_compute_dp_sgd_privacy ("Test0",
// "Test1", "Test2"): compute_dp_sgd_privacy(n, batch_size, noise_multiplier,
// epochs, delta) with q = batch / n, steps = ceil(epochs * n / batch), orders
// 1.25..4.5, 5..63, 128, 256, 512 and the Balle et al. 2020 conversion
// (dp_accounting's RdpAccountant). The test asserts 7 decimal places.
TEST(RdpAccountant, ReproducesTensorFlowPrivacysPublishedEpsilonsAndOrders) {
  struct Point {
    double n, batch, sigma, epochs, delta, epsilon, order;
  };
  for (const auto& p : {Point{60000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 19.0},
                        Point{100000, 100, 1.0, 30, 1e-7, 1.4154988495444842, 13.0},
                        Point{1e8, 1024, 0.1, 10, 1e-7, 5907982.3113978775, 1.25}}) {
    const auto steps = static_cast<std::int64_t>(std::ceil(p.epochs * p.n / p.batch));
    const auto spent = sampled_gaussian_epsilon(p.batch / p.n, p.sigma, steps, p.delta);
    EXPECT_NEAR(spent.epsilon, p.epsilon, 1e-7 * std::max(1.0, p.epsilon)) << p.sigma;
    EXPECT_EQ(spent.order, p.order) << p.sigma;
  }
}

// Source: tensorflow/privacy, tensorflow_privacy/privacy/analysis/
// rdp_accountant_test.py, test_compute_rdp_scalar (compute_rdp(0.1, 2, 10, 5)
// = 0.07737, 5 places) and test_compute_rdp_sequence (q 0.01, sigma 2.5, 50
// steps; delta 1e-5 in the test): fractional and integer orders.
TEST(RdpAccountant, ReproducesTensorFlowPrivacysPublishedRdpValues) {
  EXPECT_NEAR(sampled_gaussian_rdp(0.1, 2, 5) * 10, 0.07737, 1e-5);
  const std::vector<std::pair<double, double>> sequence{
      {1.5, 0.00065}, {2.5, 0.001085}, {5, 0.00218075}, {50, 0.023846}, {100, 167.416307}};
  for (const auto& [order, rdp] : sequence)
    EXPECT_NEAR(sampled_gaussian_rdp(0.01, 2.5, order) * 50, rdp, 1e-5) << order;
}

// Source: tensorflow/privacy, tutorials/README.md, "Select Parameters" table:
// MNIST, 256 per batch, delta 1e-5: noise 1.12 for 60 epochs gives eps 2.92,
// noise 1.2 for 10 epochs eps 1.20 (two decimals: within 0.005). The tutorial
// used the classic conversion over its own orders.
TEST(RdpAccountant, TheClassicConversionReproducesTheMnistTutorialTable) {
  EXPECT_NEAR(classic_tutorial_epsilon(1.12, 60), 2.92, 0.005);
  EXPECT_NEAR(classic_tutorial_epsilon(1.2, 10), 1.20, 0.005);
}

TEST(RdpAccountant, TheBalleConversionIsNeverLooserThanTheClassicOne) {
  for (double sigma : {0.7, 1.0, 2.0})
    for (std::int64_t steps : {1, 100, 10000}) {
      const auto tight = sampled_gaussian_epsilon(0.01, sigma, steps, 1e-5);
      const auto classic =
          sampled_gaussian_epsilon(0.01, sigma, steps, 1e-5, RdpConversion::classic);
      EXPECT_LE(tight.epsilon, classic.epsilon) << sigma << " " << steps;
      EXPECT_GT(tight.epsilon, 0.0);
    }
}

TEST(RdpAccountant, WithoutSamplingTheRdpIsThePlainGaussianMechanisms) {
  for (double sigma : {0.5, 1.0, 3.0})
    for (double order : {1.5, 2.0, 32.0})
      EXPECT_DOUBLE_EQ(sampled_gaussian_rdp(1.0, sigma, order), order / (2 * sigma * sigma));
  // The general formulas approach it as q goes to 1.
  EXPECT_NEAR(sampled_gaussian_rdp(1.0 - 1e-9, 2.0, 8), 8 / 8.0, 1e-6);
  EXPECT_NEAR(sampled_gaussian_rdp(1.0 - 1e-9, 2.0, 8.5), 8.5 / 8.0, 1e-6);
}

TEST(RdpAccountant, EpsilonGrowsWithStepsAndSamplingRateAndShrinksWithNoise) {
  const double base = sampled_gaussian_epsilon(0.05, 1.0, 100, 1e-5).epsilon;
  EXPECT_GT(sampled_gaussian_epsilon(0.05, 1.0, 200, 1e-5).epsilon, base);
  EXPECT_GT(sampled_gaussian_epsilon(0.10, 1.0, 100, 1e-5).epsilon, base);
  EXPECT_LT(sampled_gaussian_epsilon(0.05, 2.0, 100, 1e-5).epsilon, base);
  EXPECT_GT(sampled_gaussian_epsilon(0.05, 1.0, 100, 1e-7).epsilon, base);
  EXPECT_EQ(sampled_gaussian_epsilon(0.05, 1.0, 0, 1e-5).epsilon, 0.0);
  EXPECT_EQ(sampled_gaussian_rdp(0.0, 1.0, 2.0), 0.0);
}

TEST(RdpAccountant, TheNoiseSolverFindsTheSmallestSigmaWithinTheTarget) {
  for (double target : {1.0, 3.0, 8.0}) {
    const double sigma = noise_multiplier_for(target, 0.1, 50, 1e-5);
    EXPECT_LE(sampled_gaussian_epsilon(0.1, sigma, 50, 1e-5).epsilon, target);
    EXPECT_GT(sampled_gaussian_epsilon(0.1, sigma * 0.99, 50, 1e-5).epsilon, target);
  }
  EXPECT_THROW(noise_multiplier_for(0.0, 0.1, 50, 1e-5), std::invalid_argument);
}

TEST(RdpAccountant, RefusesArgumentsOutOfRange) {
  EXPECT_THROW(sampled_gaussian_rdp(1.5, 1.0, 2.0), std::invalid_argument);
  EXPECT_THROW(sampled_gaussian_rdp(0.1, 0.0, 2.0), std::invalid_argument);
  EXPECT_THROW(sampled_gaussian_rdp(0.1, 1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(sampled_gaussian_epsilon(0.1, 1.0, 10, 0.0), std::invalid_argument);
  EXPECT_THROW(sampled_gaussian_epsilon(0.1, 1.0, 10, 1.0), std::invalid_argument);
  EXPECT_THROW(rdp_to_epsilon({2.0, 3.0}, {0.1}, 1e-5), std::invalid_argument);
}
