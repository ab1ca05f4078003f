// Central DP on the aggregator: DP-FedAvg with the fixed denominator, and
// adaptive clipping.
#include "runtime/dp/central_dp_strategy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "runtime/aggregation/parameter_fixtures.hpp"
#include "runtime/privacy/dp_noise.hpp"

using troupe::models::Parameters;
using namespace troupe::runtime;
using troupe::test::values;
using troupe::test::vec;

namespace {

Update update(std::int64_t id, int round, Parameters p) {
  Update u;
  u.task_id = id;
  u.round = round;
  u.shard = static_cast<int>(id);
  u.node = "node-" + std::to_string(id);
  u.samples = 100 * (id + 1);  // unequal: DP-FedAvg must not weigh by them
  u.params = std::move(p);
  return u;
}

CentralDpOptions options(double sigma, double clip, int m) {
  CentralDpOptions o;
  o.noise_multiplier = sigma;
  o.clip_norm = clip;
  o.expected_updates = m;
  o.seed = 42;
  return o;
}

std::unique_ptr<CentralDpStrategy> dp_fedavg(CentralDpOptions o) {
  return std::make_unique<CentralDpStrategy>(make_strategy("fedavg"), o);
}

}  // namespace

TEST(CentralDp, WithTinyNoiseTheResultIsTheClippedSumOverTheExpectedCount) {
  // Given two changes, one of norm 5 (clipped to 1), one of norm 0.5, and m = 4.
  auto s = dp_fedavg(options(1e-9, 1.0, 4));
  const auto current = vec({1, 1});
  const auto next =
      s->aggregate(current, {update(0, 1, vec({4, 5})), update(1, 1, vec({1.3f, 1.4f}))}, {});
  ASSERT_TRUE(next);
  // Then: current + ((0.6, 0.8) + (0.3, 0.4)) / 4, unweighted by samples.
  const auto v = values(*next);
  EXPECT_NEAR(v[0], 1 + 0.9 / 4, 1e-5);
  EXPECT_NEAR(v[1], 1 + 1.2 / 4, 1e-5);
  EXPECT_DOUBLE_EQ(s->privacy_clip_norm(), 1.0);
}

TEST(CentralDp, TheNoiseOnTheMeanHasStandardDeviationSigmaTimesClipOverM) {
  const std::size_t n = 100000;
  auto s = dp_fedavg(options(2.0, 0.5, 10));
  const Parameters current = vec(std::vector<float>(n, 0.0f));
  const auto next = s->aggregate(current, {update(0, 1, current)}, {});
  ASSERT_TRUE(next);
  double sq = 0;
  for (float x : values(*next)) sq += static_cast<double>(x) * x;
  const double sd = std::sqrt(sq / n);
  EXPECT_NEAR(sd, 2.0 * 0.5 / 10, 0.002);  // standard error 0.1 / sqrt(2n) = 0.0002
}

TEST(CentralDp, TheSameSeedAndRoundGiveTheSameModelAndAnotherRoundOther) {
  const auto current = vec({0, 0, 0, 0});
  auto a =
      dp_fedavg(options(1.0, 1.0, 2))->aggregate(current, {update(0, 3, vec({1, 0, 0, 0}))}, {});
  auto b =
      dp_fedavg(options(1.0, 1.0, 2))->aggregate(current, {update(0, 3, vec({1, 0, 0, 0}))}, {});
  auto c =
      dp_fedavg(options(1.0, 1.0, 2))->aggregate(current, {update(0, 4, vec({1, 0, 0, 0}))}, {});
  EXPECT_EQ(values(*a), values(*b));
  EXPECT_NE(values(*a), values(*c));
}

TEST(CentralDp, AdaptiveClippingMovesTheClipTowardTheTargetQuantile) {
  // Given 50 updates of norm 10 each and C = 1: none is within C, so with a
  // target quantile 0.5 C grows every round (by about e^(0.2 * 0.5)).
  auto o = options(1.0, 1.0, 50);
  o.target_quantile = 0.5;
  CentralDpStrategy s(make_strategy("fedavg"), o);
  std::vector<Update> ups;
  for (int i = 0; i < 50; ++i) ups.push_back(update(i, 1, vec({10, 0})));
  double clip = s.clip_norm();
  for (int round = 1; round <= 5; ++round) {
    for (auto& u : ups) u.round = round;
    s.aggregate(vec({0, 0}), ups, {});
    EXPECT_GT(s.clip_norm(), clip) << round;
    clip = s.clip_norm();
  }
  // And with every update far within C it shrinks.
  for (auto& u : ups) u.params = vec({0.001f, 0});
  s.aggregate(vec({0, 0}), ups, {});
  EXPECT_LT(s.clip_norm(), clip);
  // The clip norm travels in the checkpointed state.
  CentralDpStrategy restored(make_strategy("fedavg"), o);
  restored.load_state(s.state());
  EXPECT_DOUBLE_EQ(restored.clip_norm(), s.clip_norm());
}

TEST(CentralDp, AdaptiveClippingRaisesTheUpdateNoiseAsTheAccountingRequires) {
  auto o = options(1.0, 1.0, 100);
  o.target_quantile = 0.5;
  // sigma_b = max(100 / 20, 1) = 5: sigma_u = (1 - 1 / 100)^(-1/2).
  EXPECT_DOUBLE_EQ(o.count_noise(), 5.0);
  EXPECT_NEAR(o.update_noise_multiplier(), 1 / std::sqrt(1 - 0.01), 1e-12);
  o.expected_updates = 4;  // sigma_b = sigma: at most 15 % more noise
  EXPECT_NEAR(o.update_noise_multiplier(), 1 / std::sqrt(0.75), 1e-12);
  o.target_quantile = 0.0;
  EXPECT_DOUBLE_EQ(o.update_noise_multiplier(), 1.0);
}
