#include "runtime/aggregation/strategy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <tuple>

#include "runtime/aggregation/averaging_strategies.hpp"
#include "runtime/aggregation/parameter_fixtures.hpp"

using troupe::models::DType;
using troupe::models::Parameters;
using namespace troupe::runtime;

namespace {

using troupe::test::two;
using troupe::test::values;
using troupe::test::vec;

Update update(std::int64_t id, std::int64_t samples, Parameters p, double score = 1.0) {
  Update u;
  u.task_id = id;
  u.node = "node-" + std::to_string(id);
  u.samples = samples;
  u.score = score;
  u.params = std::move(p);
  return u;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

/// Adaptive optimisers scale the step by m / sqrt(v), so one round does not land on the mean.
bool lands_on_mean(const std::string& name) {
  return name != "fedadam" && name != "fedyogi" && name != "fedadagrad";
}

}  // namespace

// ---------------------------------------------------------------------------
// One shared suite: every registered strategy runs through the same cases.
class StrategyContract : public ::testing::TestWithParam<std::string> {};

TEST_P(StrategyContract, NoUpdatesKeepTheCurrentModel) {
  auto s = make_strategy(GetParam());
  EXPECT_FALSE(s->aggregate(vec({1, 2}), {}, {{1, "node-1", "lost"}}));
}

TEST_P(StrategyContract, UpdatesWithoutExamplesKeepTheCurrentModel) {
  auto s = make_strategy(GetParam());
  EXPECT_FALSE(
      s->aggregate(vec({1, 2}), {update(1, 0, vec({5, 5})), update(2, 0, vec({7, 7}))}, {}));
}

TEST_P(StrategyContract, IdenticalUpdatesGiveThatModelOrMoveTowardsIt) {
  auto s = make_strategy(GetParam());
  const auto current = two({0, 0, 0}, {0});
  auto next =
      s->aggregate(current,
                   {update(1, 10, two({1, -2, 3}, {4})), update(2, 30, two({1, -2, 3}, {4})),
                    update(3, 5, two({1, -2, 3}, {4}))},
                   {});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->tensors, current.tensors);
  const auto v = values(*next);
  if (lands_on_mean(GetParam())) {
    EXPECT_EQ(v, (std::vector<float>{1, -2, 3, 4}));
  } else {
    // Every coordinate moves from 0 in the direction of the update.
    EXPECT_GT(v[0], 0.0F);
    EXPECT_LT(v[1], 0.0F);
    EXPECT_GT(v[2], 0.0F);
    EXPECT_GT(v[3], 0.0F);
  }
}

TEST_P(StrategyContract, ASingleUpdateIsTakenOrApproached) {
  auto s = make_strategy(GetParam());
  auto next = s->aggregate(vec({1, 1}), {update(7, 3, vec({2, -1}))}, {});
  ASSERT_TRUE(next);
  const auto v = values(*next);
  if (lands_on_mean(GetParam())) {
    EXPECT_EQ(v, (std::vector<float>{2, -1}));
  } else {
    EXPECT_GT(v[0], 1.0F);
    EXPECT_LT(v[1], 1.0F);
  }
}

TEST_P(StrategyContract, RejectsAnUpdateOfAnotherLayout) {
  auto s = make_strategy(GetParam());
  // Same number of elements, different tensor shapes.
  EXPECT_THROW(s->aggregate(two({1, 2}, {3}), {update(1, 5, two({1}, {2, 3}))}, {}),
               std::invalid_argument);
  EXPECT_THROW(
      s->aggregate(vec({1, 2}), {update(1, 5, vec({1, 2})), update(2, 5, vec({1, 2, 3}))}, {}),
      std::invalid_argument);
}

TEST_P(StrategyContract, RejectsNonFloatTensorsMissingParametersAndNegativeCounts) {
  auto s = make_strategy(GetParam());
  Parameters ints;
  ints.add("w", DType::int64, {2});
  EXPECT_THROW(s->aggregate(ints, {update(1, 5, ints)}, {}), std::invalid_argument);
  Update empty;
  empty.samples = 3;
  EXPECT_THROW(s->aggregate(vec({1}), {empty}, {}), std::invalid_argument);
  EXPECT_THROW(s->aggregate(vec({1}), {update(1, -2, vec({3}))}, {}), std::invalid_argument);
}

TEST_P(StrategyContract, IsDeterministicAndFinite) {
  const auto current = vec({0.5F, -0.25F, 2.0F, 0.0F});
  const std::vector<Update> updates = {
      update(1, 10, vec({0.7F, -0.2F, 1.5F, 0.1F})), update(2, 20, vec({0.4F, -0.3F, 2.5F, 0.2F})),
      update(3, 15, vec({0.6F, 0.1F, 2.2F, -0.1F})), update(4, 5, vec({0.3F, -0.5F, 1.9F, 0.0F})),
      update(5, 8, vec({0.55F, -0.15F, 2.1F, 0.05F}))};
  auto a = make_strategy(GetParam());
  auto b = make_strategy(GetParam());
  for (int round = 0; round < 3; ++round) {
    auto x = a->aggregate(current, updates, {});
    auto y = b->aggregate(current, updates, {});
    ASSERT_TRUE(x && y);
    EXPECT_EQ(x->bytes, y->bytes) << "round " << round;
    for (float f : values(*x)) EXPECT_TRUE(std::isfinite(f));
  }
}

TEST_P(StrategyContract, SavedStateContinuesLikeTheOriginal) {
  // Given a strategy that has aggregated one round
  const auto current = vec({0, 1, -1});
  const std::vector<Update> r1 = {update(1, 2, vec({1, 1, 0})), update(2, 1, vec({0, 3, -2})),
                                  update(3, 1, vec({2, 2, -1}))};
  const std::vector<Update> r2 = {update(4, 1, vec({3, 0, 1})), update(5, 3, vec({1, 2, 0})),
                                  update(6, 1, vec({2, 1, 1}))};
  auto original = make_strategy(GetParam());
  auto first = original->aggregate(current, r1, {});
  ASSERT_TRUE(first);
  // When its state is loaded into a fresh instance
  auto restored = make_strategy(GetParam());
  restored->load_state(original->state());
  // Then both aggregate the next round identically
  auto a = original->aggregate(*first, r2, {});
  auto b = restored->aggregate(*first, r2, {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->bytes, b->bytes);
}

TEST_P(StrategyContract, RefusesAStateThatDoesNotFit) {
  auto s = make_strategy(GetParam());
  EXPECT_THROW(s->load_state({vec({1}), vec({2}), vec({3})}), std::invalid_argument);
  EXPECT_NO_THROW(s->load_state({}));
}

TEST_P(StrategyContract, ClippingEqualsTheStrategyOnClippedUpdates) {
  // Given updates 5 and 0.5 away from the current model (deltas (3, 4) and (0.3, 0.4))
  const auto current = vec({1, 1});
  const std::vector<Update> raw = {update(1, 1, vec({4, 5})), update(2, 2, vec({1.3F, 1.4F})),
                                   update(3, 1, vec({1, -1}))};
  // and the same updates clipped by hand to norm 1: (1.6, 1.8), unchanged, (1, 0)
  const std::vector<Update> by_hand = {update(1, 1, vec({1.6F, 1.8F})),
                                       update(2, 2, vec({1.3F, 1.4F})), update(3, 1, vec({1, 0}))};
  StrategyOptions clip;
  clip.clip_norm = 1.0;
  auto clipped = make_strategy(GetParam(), clip)->aggregate(current, raw, {});
  auto plain = make_strategy(GetParam())->aggregate(current, by_hand, {});
  ASSERT_TRUE(clipped && plain);
  expect_near(values(*clipped), values(*plain), 1e-6);
  EXPECT_EQ(make_strategy(GetParam(), clip)->name(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllRegistered, StrategyContract, ::testing::ValuesIn(strategy_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// ---------------------------------------------------------------------------
// Hand-computed values, one strategy at a time.

TEST(FedAvg, WeightsUpdatesBySampleCount) {
  FedAvg s;
  // (1 * (0, 4) + 3 * (4, 0)) / 4 = (3, 1)
  auto next = s.aggregate(vec({0, 0}), {update(1, 1, vec({0, 4})), update(2, 3, vec({4, 0}))}, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{3, 1}));
}

TEST(FedProx, AggregatesLikeFedAvgOnTheServer) {
  const std::vector<Update> u = {update(1, 1, vec({0, 4})), update(2, 3, vec({4, 0.5F}))};
  auto a = make_strategy("fedprox")->aggregate(vec({0, 0}), u, {});
  auto b = make_strategy("fedavg")->aggregate(vec({0, 0}), u, {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->bytes, b->bytes);
}

TEST(Weighted, WeighsSamplesTimesScore) {
  auto s = make_strategy("weighted");
  // Weights 1 * 3 = 3 and 3 * 1 = 3: (3 * (0, 4) + 3 * (4, 0)) / 6 = (2, 2)
  auto next = s->aggregate(vec({0, 0}),
                           {update(1, 1, vec({0, 4}), 3.0), update(2, 3, vec({4, 0}), 1.0)}, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{2, 2}));
}

TEST(Weighted, AZeroScoreDoesNotCountAndAllZeroKeepsTheModel) {
  auto s = make_strategy("weighted");
  auto next = s->aggregate(vec({0, 0}),
                           {update(1, 10, vec({9, 9}), 0.0), update(2, 1, vec({1, 2}), 0.5)}, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{1, 2}));
  EXPECT_FALSE(s->aggregate(vec({0}), {update(1, 10, vec({9}), 0.0)}, {}));
}

TEST(Weighted, RejectsNegativeOrNonFiniteScores) {
  auto s = make_strategy("weighted");
  EXPECT_THROW(s->aggregate(vec({0}), {update(1, 1, vec({1}), -1.0)}, {}), std::invalid_argument);
  EXPECT_THROW(s->aggregate(vec({0}),
                            {update(1, 1, vec({1}), std::numeric_limits<double>::quiet_NaN())}, {}),
               std::invalid_argument);
  // FedAvg ignores the score.
  EXPECT_TRUE(make_strategy("fedavg")->aggregate(vec({0}), {update(1, 1, vec({1}), -1.0)}, {}));
}

TEST(FedAvgM, AccumulatesMomentumOverRounds) {
  StrategyOptions o;
  o.server_lr = 1.0;
  o.server_momentum = 0.5;
  auto s = make_strategy("fedavgm", o);
  // Round 1: mean (2, 4), d = (2, 4), v = (2, 4), x = (2, 4).
  auto x1 = s->aggregate(vec({0, 0}), {update(1, 1, vec({2, 4}))}, {});
  ASSERT_TRUE(x1);
  EXPECT_EQ(values(*x1), (std::vector<float>{2, 4}));
  // Round 2: mean (3, 4), d = (1, 0), v = 0.5 * (2, 4) + (1, 0) = (2, 2), x = (4, 6).
  auto x2 = s->aggregate(*x1, {update(2, 1, vec({3, 4}))}, {});
  ASSERT_TRUE(x2);
  EXPECT_EQ(values(*x2), (std::vector<float>{4, 6}));
  ASSERT_EQ(s->state().size(), 1u);
  EXPECT_EQ(values(s->state()[0]), (std::vector<float>{2, 2}));
}

TEST(FedAvgM, WithoutMomentumAndUnitRateIsFedAvg) {
  StrategyOptions o;
  o.server_momentum = 0.0;
  auto s = make_strategy("fedavgm", o);
  FedAvg avg;
  const std::vector<Update> u = {update(1, 1, vec({0, 4})), update(2, 3, vec({4, 0}))};
  auto a = s->aggregate(vec({1, 1}), u, {});
  auto b = avg.aggregate(vec({1, 1}), u, {});
  ASSERT_TRUE(a && b);
  expect_near(values(*a), values(*b), 1e-6);
}

TEST(AdaptiveOptimizers, MatchHandComputedTwoRoundTrajectories) {
  // Defaults: lr 1, beta1 0.9, beta2 0.99, tau 1e-3. Two rounds, each with pseudo-gradient 1
  // (see Kernels.AdaptiveStepsMatchHandComputedValues for the arithmetic):
  //   fedadam:    x1 = 0.1 / 0.101 = 0.990099, x2 = x1 + 0.19 / (sqrt(0.0199) + 1e-3) = 2.327493
  //   fedyogi:    x1 = 0.990099, x2 = x1 + 0.19 / (sqrt(0.02) + 1e-3) = 2.324169
  //   fedadagrad: x1 = 0.1 / 1.001 = 0.099900, x2 = x1 + 0.19 / (sqrt(2) + 1e-3) = 0.234155
  const std::vector<std::tuple<std::string, double, double>> cases = {
      {"fedadam", 0.990099, 2.327493},
      {"fedyogi", 0.990099, 2.324169},
      {"fedadagrad", 0.099900, 0.234155}};
  for (const auto& [name, want1, want2] : cases) {
    SCOPED_TRACE(name);
    auto s = make_strategy(name);
    auto x1 = s->aggregate(vec({0}), {update(1, 4, vec({1}))}, {});
    ASSERT_TRUE(x1);
    EXPECT_NEAR(values(*x1)[0], want1, 1e-5);
    auto x2 = s->aggregate(*x1, {update(2, 4, vec({values(*x1)[0] + 1.0F}))}, {});
    ASSERT_TRUE(x2);
    EXPECT_NEAR(values(*x2)[0], want2, 1e-5);
    ASSERT_EQ(s->state().size(), 2u);
    EXPECT_NEAR(values(s->state()[0])[0], 0.19, 1e-6);  // m
  }
}

TEST(AdaptiveOptimizers, RefuseAModelOfAnotherLayoutOnceStateExists) {
  auto s = make_strategy("fedadam");
  ASSERT_TRUE(s->aggregate(vec({0, 0}), {update(1, 1, vec({1, 1}))}, {}));
  EXPECT_THROW(s->aggregate(vec({0, 0, 0}), {update(1, 1, vec({1, 1, 1}))}, {}),
               std::invalid_argument);
  EXPECT_THROW(s->load_state({vec({1})}), std::invalid_argument);  // one part, two expected
  EXPECT_THROW(s->load_state({vec({1}), vec({1, 2})}), std::invalid_argument);
}

TEST(Median, TakesTheMiddleValueOfEachCoordinate) {
  auto s = make_strategy("median");
  // Coordinates {1, 2, 9} and {10, 20, 0}: medians 2 and 10, whatever the sample counts.
  auto next = s->aggregate(
      vec({0, 0}),
      {update(1, 1, vec({1, 10})), update(2, 100, vec({2, 20})), update(3, 1, vec({9, 0}))}, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{2, 10}));
}

TEST(TrimmedMean, DropsTheExtremesOfEachCoordinate) {
  StrategyOptions o;
  o.trim_fraction = 0.25;  // floor(0.25 * 4) = 1 from each end
  auto s = make_strategy("trimmed-mean", o);
  auto next = s->aggregate(vec({0, 0}),
                           {update(1, 1, vec({1, 5})), update(2, 1, vec({2, 6})),
                            update(3, 1, vec({3, 7})), update(4, 1, vec({100, -100}))},
                           {});
  ASSERT_TRUE(next);
  // {1, 2, 3, 100} -> (2 + 3) / 2; {-100, 5, 6, 7} -> (5 + 6) / 2
  EXPECT_EQ(values(*next), (std::vector<float>{2.5F, 5.5F}));
}

TEST(TrimmedMean, WithNothingToTrimIsThePlainMean) {
  auto s = make_strategy("trimmed-mean");  // floor(0.1 * 3) = 0
  auto next = s->aggregate(
      vec({0}), {update(1, 1, vec({1})), update(2, 50, vec({2})), update(3, 1, vec({6}))}, {});
  ASSERT_TRUE(next);
  EXPECT_FLOAT_EQ(values(*next)[0], 3.0F);  // unweighted: (1 + 2 + 6) / 3
}

namespace {
/// a = (0, 0), b = (1, 0), c = (0, 2), d = (10, 10). Squared distances:
/// ab 1, ac 4, ad 200, bc 5, bd 181, cd 164.
std::vector<Update> krum_points() {
  return {update(1, 1, vec({0, 0})), update(2, 1, vec({1, 0})), update(3, 1, vec({0, 2})),
          update(4, 1, vec({10, 10}))};
}
}  // namespace

TEST(Krum, PicksTheUpdateClosestToItsNeighbours) {
  StrategyOptions o;
  o.byzantine = 1;  // n - f - 2 = 1 neighbour: scores a 1, b 1, c 4, d 164; tie a/b -> a
  auto next = make_strategy("krum", o)->aggregate(vec({5, 5}), krum_points(), {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{0, 0}));
  // f = 0: 2 neighbours: scores a 5, b 6, c 9, d 345 -> a again.
  next = make_strategy("krum")->aggregate(vec({5, 5}), krum_points(), {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{0, 0}));
}

TEST(MultiKrum, AveragesTheBestScored) {
  StrategyOptions o;
  o.byzantine = 1;  // m = n - f = 3: a, b, c -> ((0 + 1 + 0) / 3, (0 + 0 + 2) / 3)
  auto next = make_strategy("multi-krum", o)->aggregate(vec({5, 5}), krum_points(), {});
  ASSERT_TRUE(next);
  expect_near(values(*next), {1.0F / 3.0F, 2.0F / 3.0F}, 1e-6);
  o.multi_krum = 2;  // a and b
  next = make_strategy("multi-krum", o)->aggregate(vec({5, 5}), krum_points(), {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{0.5F, 0}));
}

TEST(Clipping, ShortensLongDeltasBeforeAveraging) {
  StrategyOptions o;
  o.clip_norm = 1.0;
  // (3, 4) has norm 5 -> (0.6, 0.8); (0.3, 0.4) stays. Mean with equal samples: (0.45, 0.6).
  auto next = make_strategy("fedavg", o)
                  ->aggregate(vec({0, 0}),
                              {update(1, 1, vec({3, 4})), update(2, 1, vec({0.3F, 0.4F}))}, {});
  ASSERT_TRUE(next);
  expect_near(values(*next), {0.45F, 0.6F}, 1e-6);
}

// ---------------------------------------------------------------------------
// A planted outlier: four honest updates near 1 and one at 1000.

namespace {
std::vector<Update> planted_outlier_updates() {
  return {update(1, 10, vec({1.00F, 0.98F, 1.01F})), update(2, 10, vec({1.02F, 1.00F, 0.99F})),
          update(3, 10, vec({0.99F, 1.01F, 1.00F})), update(4, 10, vec({1.01F, 0.99F, 1.02F})),
          update(5, 10, vec({1000.0F, -1000.0F, 1000.0F}))};
}
}  // namespace

class PlantedOutlier : public ::testing::TestWithParam<std::string> {
 protected:
  static StrategyOptions options() {
    StrategyOptions o;
    o.byzantine = 1;
    o.trim_fraction = 0.2;  // floor(0.2 * 5) = 1 from each end
    return o;
  }
};

TEST_P(PlantedOutlier, RobustStrategiesStayNearTheHonestMean) {
  auto next = make_strategy(GetParam(), options())
                  ->aggregate(vec({0, 0, 0}), planted_outlier_updates(), {});
  ASSERT_TRUE(next);
  expect_near(values(*next), {1.0F, 1.0F, 1.0F}, 0.03);
}

INSTANTIATE_TEST_SUITE_P(Robust, PlantedOutlier,
                         ::testing::Values("median", "trimmed-mean", "krum", "multi-krum"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(PlantedOutlierFedAvg, IsDraggedAway) {
  // (4 * ~1 + 1000) / 5 = ~200.8 on the first coordinate.
  auto next = make_strategy("fedavg")->aggregate(vec({0, 0, 0}), planted_outlier_updates(), {});
  ASSERT_TRUE(next);
  EXPECT_GT(values(*next)[0], 150.0F);
}

TEST(RobustStrategies, DropAnUpdateHoldingNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const char* name : {"median", "trimmed-mean", "krum", "multi-krum"}) {
    SCOPED_TRACE(name);
    auto next = make_strategy(name)->aggregate(
        vec({0, 0}),
        {update(1, 1, vec({1, 2})), update(2, 1, vec({nan, 0})), update(3, 1, vec({1, 2}))}, {});
    ASSERT_TRUE(next);
    EXPECT_EQ(values(*next), (std::vector<float>{1, 2}));
  }
}

// ---------------------------------------------------------------------------
// Options and registry.

TEST(StrategyOptions, DefaultsAreValidAndEachRangeIsChecked) {
  EXPECT_EQ(StrategyOptions{}.validate(), "");
  auto bad = [](auto change) {
    StrategyOptions o;
    change(o);
    return o.validate();
  };
  EXPECT_NE(bad([](auto& o) { o.trim_fraction = 0.5; }).find("trim_fraction"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.server_lr = 0; }).find("server_lr"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.server_momentum = 1; }).find("server_momentum"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.beta1 = -0.1; }).find("beta1"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.beta2 = 1.5; }).find("beta2"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.tau = 0; }).find("tau"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.byzantine = -1; }).find("byzantine"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.multi_krum = -1; }).find("multi_krum"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.clip_norm = -1; }).find("clip_norm"), std::string::npos);
  StrategyOptions o;
  o.trim_fraction = 0.7;
  EXPECT_THROW(make_strategy("trimmed-mean", o), std::invalid_argument);
}

TEST(StrategyRegistry, ListsEveryBuiltInSorted) {
  const auto names = strategy_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  const std::set<std::string> have(names.begin(), names.end());
  for (const auto& n : {"fedadagrad", "fedadam", "fedavg", "fedavgm", "fedprox", "fedyogi", "krum",
                        "median", "multi-krum", "trimmed-mean", "weighted"})
    EXPECT_TRUE(have.count(n)) << n;
}

TEST(StrategyRegistry, UnknownNamesAreRefusedWithTheKnownOnes) {
  try {
    make_strategy("nope");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fedavg"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("multi-krum"), std::string::npos);
  }
}

namespace {
/// A plugin-style strategy: always answers the first update.
class TakeFirst final : public AggregationStrategy {
 public:
  std::string name() const override { return "test-take-first"; }
  std::optional<Parameters> aggregate(const Parameters&, const std::vector<Update>& updates,
                                      const std::vector<UpdateFailure>&) override {
    if (updates.empty()) return std::nullopt;
    return updates.front().params;
  }
};
}  // namespace

TEST(StrategyRegistry, PluginsAddStrategiesThatGetClippingToo) {
  register_strategy("test-take-first",
                    [](const StrategyOptions&) { return std::make_unique<TakeFirst>(); });
  const auto names = strategy_names();
  EXPECT_TRUE(std::binary_search(names.begin(), names.end(), "test-take-first"));
  auto plain = make_strategy("test-take-first");
  auto next = plain->aggregate(vec({0, 0}), {update(1, 1, vec({3, 4}))}, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{3, 4}));
  StrategyOptions o;
  o.clip_norm = 2.5;  // (3, 4) scaled by 2.5 / 5
  next =
      make_strategy("test-take-first", o)->aggregate(vec({0, 0}), {update(1, 1, vec({3, 4}))}, {});
  ASSERT_TRUE(next);
  expect_near(values(*next), {1.5F, 2.0F}, 1e-6);
  // Taken names, empty names and empty factories are refused.
  EXPECT_THROW(
      register_strategy("test-take-first",
                        [](const StrategyOptions&) { return std::make_unique<TakeFirst>(); }),
      std::invalid_argument);
  EXPECT_THROW(register_strategy("fedavg",
                                 [](const StrategyOptions&) { return std::make_unique<FedAvg>(); }),
               std::invalid_argument);
  EXPECT_THROW(
      register_strategy("", [](const StrategyOptions&) { return std::make_unique<FedAvg>(); }),
      std::invalid_argument);
  EXPECT_THROW(register_strategy("test-empty", StrategyFactory{}), std::invalid_argument);
}
