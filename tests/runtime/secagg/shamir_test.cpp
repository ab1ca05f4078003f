// Shamir sharing over GF(2^61 - 1): thresholds, field edge cases, and the
// checked reconstruction that names a wrong sharer.
#include "runtime/secagg/shamir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "runtime/secagg/robust_reconstruction.hpp"

namespace troupe::runtime::secagg {
namespace {

Key test_secret(std::uint8_t start) {
  Key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(start + 37 * i);
  k.back() = 0xff;  // the last chunk's top byte is used too
  return k;
}

std::vector<std::uint64_t> points(int n) {
  std::vector<std::uint64_t> xs(n);
  std::iota(xs.begin(), xs.end(), 1);
  return xs;
}

TEST(Shamir, AnyThresholdManySharesReconstructTheSecret) {
  Rng rng(3);
  const Key secret = test_secret(11);
  const int n = 9, t = 5;
  const auto xs = points(n);
  const auto shares = split_secret(secret, t, xs, rng);
  std::mt19937 gen(5);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), gen);
    std::vector<std::uint64_t> sx;
    std::vector<Share> sy;
    for (int i = 0; i < t; ++i) {
      sx.push_back(xs[order[i]]);
      sy.push_back(shares[order[i]]);
    }
    const auto rebuilt = reconstruct_secret(sx, sy);
    ASSERT_TRUE(rebuilt.has_value());
    EXPECT_EQ(*rebuilt, secret);
  }
}

TEST(Shamir, OneShareFewerThanTheThresholdGivesAWrongValue) {
  Rng rng(4);
  const Key secret = test_secret(3);
  const int n = 7, t = 4;
  const auto xs = points(n);
  const auto shares = split_secret(secret, t, xs, rng);
  for (int first = 0; first + t - 1 <= n; ++first) {
    std::vector<std::uint64_t> sx(xs.begin() + first, xs.begin() + first + t - 1);
    std::vector<Share> sy(shares.begin() + first, shares.begin() + first + t - 1);
    const auto rebuilt = reconstruct_secret(sx, sy);
    EXPECT_TRUE(!rebuilt.has_value() || *rebuilt != secret);
  }
}

TEST(Shamir, SharesOfTheSameSecretDifferFromOneSplitToTheNext) {
  Rng rng(6);
  const Key secret = test_secret(0);
  const auto xs = points(3);
  EXPECT_NE(split_secret(secret, 2, xs, rng), split_secret(secret, 2, xs, rng));
}

TEST(ShamirField, ArithmeticWrapsAtTheMersennePrime) {
  const std::uint64_t p = kFieldPrime;
  EXPECT_EQ(field_add(p - 1, 1), 0u);
  EXPECT_EQ(field_add(p - 1, p - 1), p - 2);
  EXPECT_EQ(field_sub(0, 1), p - 1);
  EXPECT_EQ(field_mul(p - 1, p - 1), 1u);               // (-1)^2
  EXPECT_EQ(field_mul(std::uint64_t{1} << 60, 2), 1u);  // 2^61 = 1 mod p
  EXPECT_EQ(field_mul(0, p - 1), 0u);
  for (std::uint64_t a :
       {std::uint64_t{1}, std::uint64_t{2}, p - 1, std::uint64_t{123456789}, p / 2})
    EXPECT_EQ(field_mul(a, field_inverse(a)), 1u) << a;
  EXPECT_THROW(field_inverse(0), std::invalid_argument);
}

TEST(ShamirField, ASecretOfAllOnesSurvivesTheChunking) {
  Rng rng(8);
  Key secret;
  secret.fill(0xff);
  const auto xs = points(3);
  const auto shares = split_secret(secret, 3, xs, rng);
  EXPECT_EQ(reconstruct_secret(xs, shares), secret);
}

TEST(CheckedReconstruction, AWrongShareIsFoundAndItsSenderNamed) {
  Rng rng(9);
  const Key secret = test_secret(21);
  const int n = 8, t = 4;
  const auto xs = points(n);
  const auto shares = split_secret(secret, t, xs, rng);
  std::vector<HeldShare> held;
  for (int i = 0; i < n; ++i) held.push_back({xs[i], i, shares[i]});
  held[1].share[2] = field_add(held[1].share[2], 1);  // sender 1 lies, inside the first t
  const auto result = reconstruct_checked(held, t, [&](const Key& k) { return k == secret; });
  ASSERT_TRUE(result.secret.has_value());
  EXPECT_EQ(*result.secret, secret);
  EXPECT_EQ(result.wrong, std::vector<std::int32_t>{1});
}

TEST(CheckedReconstruction, TooFewConsistentSharesGiveNoSecret) {
  Rng rng(10);
  const Key secret = test_secret(1);
  const auto xs = points(4);
  const auto shares = split_secret(secret, 4, xs, rng);
  std::vector<HeldShare> held;
  for (int i = 0; i < 4; ++i) held.push_back({xs[i], i, shares[i]});
  held[0].share[0] = field_add(held[0].share[0], 5);
  EXPECT_FALSE(reconstruct_checked(held, 4, [&](const Key& k) { return k == secret; }).secret);
  held.pop_back();
  EXPECT_FALSE(reconstruct_checked(held, 4, [](const Key&) { return true; }).secret);
}

}  // namespace
}  // namespace troupe::runtime::secagg
