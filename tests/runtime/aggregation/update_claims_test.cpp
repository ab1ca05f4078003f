// An update's claims (samples, loss, score) against what the scheduler knows
// of its shard: a lying node is refused by both aggregator cores, and cannot
// dominate FedAvg.
#include "runtime/aggregation/update_claims.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/aggregation/parameter_fixtures.hpp"
#include "runtime/aggregation/strategy.hpp"
#include "runtime/aggregation/sync_aggregator.hpp"

using namespace troupe::runtime;
using troupe::test::values;
using troupe::test::vec;

namespace {

Update claiming(std::int64_t task, std::int32_t shard, std::int64_t samples, float value) {
  Update u;
  u.task_id = task;
  u.round = 1;
  u.node = "node-" + std::to_string(shard);
  u.shard = shard;
  u.samples = samples;
  u.loss = 0.5;
  u.score = std::exp(-0.5);
  u.params = vec({value, value});
  return u;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(UpdateClaims, AnHonestClaimPasses) {
  EXPECT_EQ(claim_problem(claiming(1, 0, 100, 1.0F), {100, 100}), "");
}

TEST(UpdateClaims, MoreExamplesThanTheShardHoldsAreNamedWithBothCounts) {
  EXPECT_EQ(claim_problem(claiming(1, 1, 60000, 1.0F), {6000, 6000}),
            "claims 60000 examples, shard 1 holds 6000");
}

TEST(UpdateClaims, AShardTheJobDoesNotHaveIsRefused) {
  EXPECT_EQ(claim_problem(claiming(1, 5, 10, 1.0F), {100, 100}),
            "claims shard 5, the job has 2 shards");
}

TEST(UpdateClaims, ANegativeSampleCountIsRefusedEvenWithoutHoldings) {
  EXPECT_EQ(claim_problem(claiming(1, 0, -1, 1.0F), {}), "claims -1 examples");
}

TEST(UpdateClaims, WithoutHoldingsAnySampleCountIsBelieved) {
  EXPECT_EQ(claim_problem(claiming(1, 0, 1'000'000, 1.0F), {}), "");
}

TEST(UpdateClaims, ANonFiniteOrNegativeLossIsRefused) {
  auto u = claiming(1, 0, 10, 1.0F);
  u.loss = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(claim_problem(u, {}), "its training loss is not finite (nan)");
  u.loss = -2.0;
  EXPECT_EQ(claim_problem(u, {}), "claims a training loss of -2, below 0");
}

TEST(UpdateClaims, AScoreOutsideZeroToOneOrNotFiniteIsRefused) {
  auto u = claiming(1, 0, 10, 1.0F);
  u.score = 50.0;
  EXPECT_EQ(claim_problem(u, {}), "claims a score of 50, outside [0, 1]");
  u.score = std::numeric_limits<double>::infinity();
  EXPECT_EQ(claim_problem(u, {}), "its score is not finite (inf)");
  u.score = -0.1;
  EXPECT_TRUE(mentions(claim_problem(u, {}), "outside [0, 1]"));
}

// Given three shards of 100 examples, two honest updates (value 1) and one
// that claims 100 times its shard (value 10): FedAvg would weigh the liar
// 100:1 and move the model to about 9.8. The liar is refused instead, and
// the round averages the honest updates only.
TEST(UpdateClaims, ANodeClaimingMoreThanItsShardIsRefusedAndCannotDominateFedAvg) {
  SyncOptions options;
  options.max_pending_per_node = 3;
  SyncAggregator agg{make_strategy("fedavg", {}), vec({0, 0}), options};
  agg.set_holdings({100, 100, 100});
  ASSERT_FALSE(agg.accept(claiming(1, 0, 100, 1.0F)).refused());
  ASSERT_FALSE(agg.accept(claiming(2, 1, 100, 1.0F)).refused());
  const auto liar = agg.accept(claiming(3, 2, 10000, 10.0F));
  const auto out = agg.aggregate({1, {1, 2, 3}, {}, {}});
  const auto model = values(*agg.get(out.version));
  EXPECT_NEAR(model[0], 1.0F, 1e-6) << "the liar dominated FedAvg";
  EXPECT_TRUE(liar.refused());
  EXPECT_TRUE(
      mentions(liar.reason, "update of task 3 rejected: claims 10000 examples, shard 2 holds 100"))
      << liar.reason;
  EXPECT_EQ(out.updates, 2);
}

TEST(UpdateClaims, TheRefusedClaimReachesTheStrategyAsAFailureOfTheRound) {
  SyncOptions options;
  options.max_pending_per_node = 3;
  SyncAggregator agg{make_strategy("fedavg", {}), vec({0, 0}), options};
  agg.set_holdings({100, 100});
  ASSERT_FALSE(agg.accept(claiming(1, 0, 100, 1.0F)).refused());
  ASSERT_TRUE(agg.accept(claiming(2, 1, 101, 1.0F)).refused());
  // The aggregator lists the refused update among the round's failures.
  const auto out = agg.aggregate({1, {1}, {}, {}});
  EXPECT_EQ(out.updates, 1);
}

TEST(UpdateClaims, ANodeSayingItTrainedABiggerShardThanItWasAssignedIsRefused) {
  // Shard 2 holds 5000 examples; node-1 was given shard 1 (100) but says it
  // trained shard 2, so its claim of 5000 would pass the holdings check alone.
  SyncOptions options;
  options.max_pending_per_node = 3;
  SyncAggregator agg{make_strategy("fedavg", {}), vec({0, 0}), options};
  agg.set_holdings({100, 100, 5000});
  ASSERT_FALSE(agg.accept(claiming(1, 0, 100, 1.0F)).refused());
  auto borrowed = claiming(2, 2, 5000, 10.0F);
  borrowed.node = "node-1";
  ASSERT_FALSE(agg.accept(borrowed).refused());
  const auto out = agg.aggregate({1, {1, 2}, {}, {0, 1}});
  EXPECT_EQ(out.updates, 1);
  EXPECT_NEAR(values(*agg.get(out.version))[0], 1.0F, 1e-6) << "the borrowed shard counted";
}

TEST(UpdateClaims, TheAsyncAggregatorRefusesAnInflatedClaimToo) {
  AsyncOptions options;
  options.buffered = true;
  options.buffer_size = 1;
  AsyncAggregator agg{options, vec({0, 0})};
  agg.set_holdings({100});
  auto u = claiming(1, 0, 1000, 1.0F);
  u.round = 0;
  const auto v = agg.accept(u);
  EXPECT_TRUE(v.refused());
  EXPECT_TRUE(mentions(v.reason, "claims 1000 examples, shard 0 holds 100")) << v.reason;
  EXPECT_EQ(agg.version(), 0);
}
