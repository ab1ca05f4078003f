#include <gtest/gtest.h>

#include <cmath>

#include "runtime/aggregation_math.hpp"
#include "runtime/averaging_strategies.hpp"
#include "runtime/strategy.hpp"

using troupe::models::DType;
using troupe::models::Parameters;
using namespace troupe::runtime;

namespace {

Parameters make(std::vector<float> a, std::vector<float> b) {
  Parameters p;
  p.add("a", DType::float32, {static_cast<std::int64_t>(a.size())});
  p.add("b", DType::float32, {static_cast<std::int64_t>(b.size())});
  std::copy(a.begin(), a.end(), p.float_data());
  std::copy(b.begin(), b.end(), p.float_data() + a.size());
  return p;
}

std::vector<float> values(const Parameters& p) {
  return {p.float_data(), p.float_data() + p.numel()};
}

ClientUpdate update(std::int64_t id, std::int64_t samples, Parameters p) {
  ClientUpdate u;
  u.task_id = id;
  u.samples = samples;
  u.params = std::make_shared<const Parameters>(std::move(p));
  return u;
}

}  // namespace

TEST(WeightedAverage, MatchesHandComputedValues) {
  const auto x = make({1, 2, 3}, {10});
  const auto y = make({3, 6, 9}, {30});
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
  const auto x = make({1, 2}, {3});
  const auto y = make({1}, {2, 3});
  Parameters out;
  EXPECT_THROW(weighted_average({{&x, 1.0}, {&y, 1.0}}, out), std::invalid_argument);
  EXPECT_THROW(weighted_average({{&x, 0.0}}, out), std::invalid_argument);
  EXPECT_THROW(weighted_average({}, out), std::invalid_argument);
  Parameters ints;
  ints.add("i", DType::int64, {2});
  EXPECT_THROW(weighted_average({{&ints, 1.0}}, out), std::invalid_argument);
}

// Every strategy runs through the same cases.
class StrategyContract : public ::testing::TestWithParam<std::string> {};

TEST_P(StrategyContract, IdenticalUpdatesGiveThatModel) {
  auto s = make_strategy(GetParam());
  const auto current = make({0, 0, 0}, {0});
  auto next = s->aggregate(
      current, {update(1, 10, make({1, 2, 3}, {4})), update(2, 30, make({1, 2, 3}, {4}))}, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{1, 2, 3, 4}));
}

TEST_P(StrategyContract, NoUpdatesKeepTheCurrentModel) {
  auto s = make_strategy(GetParam());
  EXPECT_FALSE(s->aggregate(make({1}, {2}), {}, {{1, "node-1", "lost"}}));
}

TEST_P(StrategyContract, RejectsAnUpdateOfAnotherLayout) {
  auto s = make_strategy(GetParam());
  EXPECT_THROW(s->aggregate(make({1, 2}, {3}), {update(1, 5, make({1}, {2, 3}))}, {}),
               std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, StrategyContract, ::testing::ValuesIn(strategy_names()));

TEST(FedAvg, WeightsUpdatesBySampleCount) {
  FedAvg s;
  auto next =
      s.aggregate(make({0}, {0}), {update(1, 1, make({0}, {4})), update(2, 3, make({4}, {0}))}, {});
  ASSERT_TRUE(next);
  EXPECT_EQ(values(*next), (std::vector<float>{3, 1}));
}

TEST(Strategy, UnknownNamesAreRefusedWithTheKnownOnes) {
  try {
    make_strategy("nope");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fedavg"), std::string::npos);
  }
}
