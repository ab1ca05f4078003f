// Synchronous rounds without a cluster: collection rules, shard order, the
// round's failures reaching the strategy, versions and checkpoints.
#include "runtime/aggregation/sync_aggregator.hpp"
#include "runtime/aggregation/parameter_fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

using troupe::models::DType;
using troupe::models::Parameters;
using namespace troupe::runtime;

namespace {

using troupe::test::vec;

/// What the strategy was given, for the tests to look at.
struct Seen {
  std::vector<std::int64_t> tasks;
  std::vector<std::int64_t> failed;
  std::vector<std::string> reasons;
};

/// Takes the last update it is given and records the round's inputs.
class Recording final : public AggregationStrategy {
 public:
  explicit Recording(std::shared_ptr<Seen> seen) : seen_(std::move(seen)) {}
  std::string name() const override { return "recording"; }
  std::optional<Parameters> aggregate(const Parameters&, const std::vector<Update>& updates,
                                      const std::vector<UpdateFailure>& failures) override {
    *seen_ = {};
    for (const auto& u : updates) seen_->tasks.push_back(u.task_id);
    for (const auto& f : failures) {
      seen_->failed.push_back(f.task_id);
      seen_->reasons.push_back(f.reason);
    }
    if (updates.empty()) return std::nullopt;
    return updates.back().params;
  }

 private:
  std::shared_ptr<Seen> seen_;
};

struct SyncRounds : ::testing::Test {
  std::shared_ptr<Seen> seen = std::make_shared<Seen>();
  SyncOptions options = [] {
    SyncOptions o;
    o.max_pending_per_node = 2;
    return o;
  }();
  SyncAggregator agg{std::make_unique<Recording>(seen), vec({0, 0}), options};

  static Update update(std::int64_t task, std::int32_t shard, const std::string& node,
                       std::vector<float> values = {1, 1}, std::int32_t round = 1) {
    Update u;
    u.task_id = task;
    u.round = round;
    u.node = node;
    u.shard = shard;
    u.samples = 10;
    u.params = vec(std::move(values));
    return u;
  }
};

}  // namespace

TEST_F(SyncRounds, AnAcceptedUpdateCountsWhenTheRoundCloses) {
  const auto v = agg.accept(update(1, 0, "a", {3, 4}));
  ASSERT_FALSE(v.refused()) << v.reason;
  EXPECT_TRUE(v.receipt.accepted);
  EXPECT_EQ(v.receipt.staleness, 0);
  const auto out = agg.aggregate({1, {1}, {}, {}});
  EXPECT_TRUE(out.changed);
  EXPECT_EQ(out.version, 1);
  EXPECT_EQ(out.updates, 1);
  EXPECT_EQ(out.fingerprint, troupe::models::fingerprint(vec({3, 4})));
  EXPECT_EQ(agg.collecting_round(), 2);
  EXPECT_EQ(agg.get(1)->bytes, vec({3, 4}).bytes);
}

TEST_F(SyncRounds, UpdatesReachTheStrategyInShardOrderWhateverTheirArrivalOrder) {
  // Given updates arriving as shard 2, 0, 1 (task 5 re-ran shard 0 after a failure)
  agg.accept(update(3, 2, "c"));
  agg.accept(update(5, 0, "b"));
  agg.accept(update(2, 1, "a"));
  // When the round closes
  agg.aggregate({1, {2, 3, 5}, {}, {}});
  // Then the strategy sees them by shard, not by arrival or task id
  EXPECT_EQ(seen->tasks, (std::vector<std::int64_t>{5, 2, 3}));
}

TEST_F(SyncRounds, OnlyTheNamedTasksCountAndTheOthersAreReportedAsFailures) {
  agg.accept(update(1, 0, "a"));
  agg.accept(update(2, 1, "b"));
  agg.aggregate({1, {1}, {}, {}});
  EXPECT_EQ(seen->tasks, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(seen->failed, (std::vector<std::int64_t>{2}));
}

TEST_F(SyncRounds, TheSchedulersFailuresAndTheRefusedUpdatesReachTheStrategyByTaskId) {
  auto bad = update(4, 1, "b", {1, std::numeric_limits<float>::quiet_NaN()});
  EXPECT_EQ(agg.accept(std::move(bad)).refusal, Refusal::invalid);
  agg.accept(update(1, 0, "a"));
  agg.aggregate({1, {1}, {{7, "c", "node lost"}, {4, "b", "training failed"}}, {}});
  EXPECT_EQ(seen->failed, (std::vector<std::int64_t>{4, 7}));
  // The scheduler's reason wins over the aggregator's for the same task.
  EXPECT_EQ(seen->reasons.front(), "training failed");
}

TEST_F(SyncRounds, ALateUpdateIsAcknowledgedAndNotUsed) {
  agg.accept(update(1, 0, "a"));
  agg.aggregate({1, {1}, {}, {}});
  const auto v = agg.accept(update(2, 1, "b"));  // round 1, now collecting 2
  ASSERT_FALSE(v.refused());
  EXPECT_FALSE(v.receipt.accepted);
  EXPECT_NE(v.receipt.reason.find("late"), std::string::npos);
  agg.aggregate({2, {2}, {}, {}});
  EXPECT_TRUE(seen->tasks.empty());
}

TEST_F(SyncRounds, AnUpdateForALaterRoundIsRefused) {
  const auto v = agg.accept(update(1, 0, "a", {1, 1}, /*round=*/2));
  EXPECT_EQ(v.refusal, Refusal::wrong_round);
  EXPECT_NE(v.reason.find("collecting round 1"), std::string::npos) << v.reason;
}

TEST_F(SyncRounds, ASecondUpdateOfOneTaskIsRefused) {
  agg.accept(update(1, 0, "a"));
  const auto v = agg.accept(update(1, 0, "a"));
  EXPECT_EQ(v.refusal, Refusal::duplicate);
  EXPECT_NE(v.reason.find("duplicate update for task 1"), std::string::npos);
}

TEST_F(SyncRounds, ANodeHoldsNoMoreUpdatesThanItsPendingLimit) {
  agg.accept(update(1, 0, "a"));
  agg.accept(update(2, 1, "a"));
  const auto v = agg.accept(update(3, 2, "a"));
  EXPECT_EQ(v.refusal, Refusal::invalid);
  EXPECT_NE(v.reason.find("already has 2 updates pending"), std::string::npos) << v.reason;
  EXPECT_FALSE(agg.accept(update(4, 2, "b")).refused());
}

TEST_F(SyncRounds, AnUpdateFromABaseVersionNotHeldIsRefused) {
  auto u = update(1, 0, "a");
  u.base_version = 41;
  const auto v = agg.accept(std::move(u));
  EXPECT_EQ(v.refusal, Refusal::invalid);
  EXPECT_NE(v.reason.find("base version 41 is not held"), std::string::npos);
}

TEST_F(SyncRounds, ClosingAnotherRoundIsAnError) {
  EXPECT_THROW(agg.aggregate({2, {}, {}, {}}), std::runtime_error);
  EXPECT_EQ(agg.collecting_round(), 1);
}

TEST_F(SyncRounds, NoUsableUpdateKeepsTheVersion) {
  const auto out = agg.aggregate({1, {}, {{1, "a", "lost"}}, {}});
  EXPECT_FALSE(out.changed);
  EXPECT_EQ(out.version, 0);
  EXPECT_EQ(seen->failed, (std::vector<std::int64_t>{1}));
}

TEST_F(SyncRounds, OnlyTheLastVersionsAreHeld) {
  // By default only the current version: a synchronous round needs no older
  // one, and each is a model's worth of memory.
  auto kept = options;
  kept.versions_kept = 3;
  SyncAggregator three{std::make_unique<Recording>(seen), vec({0, 0}), kept};
  for (int round = 1; round <= 4; ++round) {
    for (auto* a : {&agg, &three}) {
      auto u = update(round, 0, "a", {float(round), 0}, round);
      u.base_version = round - 1;
      ASSERT_FALSE(a->accept(std::move(u)).refused());
      a->aggregate({round, {round}, {}, {}});
    }
  }
  EXPECT_EQ(agg.version(), 4);
  EXPECT_EQ(agg.get(3), nullptr);
  EXPECT_NE(agg.get(4), nullptr);
  EXPECT_EQ(three.version(), 4);
  EXPECT_EQ(three.get(1), nullptr);
  EXPECT_NE(three.get(2), nullptr);
  EXPECT_NE(three.get(4), nullptr);
}

TEST_F(SyncRounds, ASnapshotResumesWhereTheRoundsLeftOff) {
  agg.accept(update(1, 0, "a", {5, 6}));
  agg.aggregate({1, {1}, {}, {}});
  EXPECT_THROW(agg.snapshot(2), std::runtime_error);  // round 2 is not done
  const auto snap = agg.snapshot(1);
  EXPECT_EQ(snap.version, 1);
  EXPECT_EQ(snap.model.bytes, vec({5, 6}).bytes);

  SyncAggregator resumed(make_strategy("fedavg"), vec({0, 0}), {});
  resumed.resume(snap);
  EXPECT_EQ(resumed.version(), 1);
  EXPECT_EQ(resumed.collecting_round(), 2);
  EXPECT_EQ(resumed.get(1)->bytes, vec({5, 6}).bytes);
}

// Node-local data: FedAvg weighs each update by the examples its shard
// registered (the holdings), not by the count the update carries, and not
// equally. Shards hold 1000 and 3000; both updates under-claim 10 examples.
TEST(SyncWeighting, FedAvgWeighsUpdatesByTheirShardsRegisteredCounts) {
  SyncAggregator agg{make_strategy("fedavg"), vec({0, 0}), SyncOptions{}};
  agg.set_holdings({1000, 3000});
  auto u = SyncRounds::update(1, 0, "a", {4, 0});
  auto w = SyncRounds::update(2, 1, "b", {0, 8});
  u.samples = 10;
  w.samples = 10;
  ASSERT_FALSE(agg.accept(u).refused());
  ASSERT_FALSE(agg.accept(w).refused());
  agg.aggregate({1, {1, 2}, {}, {}});
  // (1000 * 4 + 3000 * 0) / 4000 = 1; (1000 * 0 + 3000 * 8) / 4000 = 6.
  // Equal weights would give 2 and 4.
  EXPECT_EQ(agg.get(1)->bytes, vec({1, 6}).bytes);
}

TEST(SyncWeighting, AnUpdateClaimingMoreThanItsShardRegisteredIsRefused) {
  SyncAggregator agg{make_strategy("fedavg"), vec({0, 0}), SyncOptions{}};
  agg.set_holdings({1000, 3000});
  auto u = SyncRounds::update(1, 0, "a");
  u.samples = 1001;
  const auto v = agg.accept(u);
  EXPECT_TRUE(v.refused());
  EXPECT_NE(v.reason.find("claims 1001 examples, shard 0 holds 1000"), std::string::npos)
      << v.reason;
}
