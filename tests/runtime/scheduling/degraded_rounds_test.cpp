// Rounds that lose shards: a shard pinned to a node that has not joined yet
// waits for it within the join timeout; a shard lost anyway marks its round
// degraded, and the job ends "degraded" unless partial rounds are allowed.

#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "runtime/scheduling/job_core.hpp"
#include "runtime/scheduling/lost_work.hpp"

using namespace troupe::runtime;

namespace {

/// Three shards; only the node pinned to shard 0 is there at first.
struct PinnedCluster {
  std::vector<NodeInfo> view{{"node-0", 1.0, 0}};
  std::unique_ptr<JobCore> core;
  std::deque<Step> in_flight;
  std::optional<Step> final_step;
  Seconds now = 0.0;
  std::int64_t version = 0;

  explicit PinnedCluster(bool allow_partial = false, int rounds = 2) {
    JobCoreInputs in;
    in.spec.nodes = 3;
    in.spec.rounds = rounds;
    in.spec.cluster.join_timeout_s = 10.0;
    in.spec.sync.allow_partial_rounds = allow_partial;
    in.shard_sizes.assign(3, 100);
    in.test_size = 50;
    in.nodes = [this] { return UsableNodes{view, ""}; };
    core = make_job_core(std::move(in));
  }

  /// Takes the steps in: node work goes in flight, aggregations are answered at once.
  void apply(const Steps& steps) {
    for (const auto& s : steps) {
      switch (s.kind) {
        case Step::Kind::train:
        case Step::Kind::evaluate:
          core->task_started(s.task, now);
          in_flight.push_back(s);
          break;
        case Step::Kind::aggregate:
        case Step::Kind::flush:
          apply(core->aggregated({++version, true, 7, 0.0, {}}, now));
          break;
        case Step::Kind::checkpoint:
          apply(core->checkpointed(now));
          break;
        case Step::Kind::done:
        case Step::Kind::failed:
        case Step::Kind::degraded:
          final_step = s;
          break;
        default:
          break;
      }
    }
  }

  /// Answers every task in flight (and those that follow) successfully.
  void answer_all() {
    while (!in_flight.empty() && !final_step) {
      const Step s = in_flight.front();
      in_flight.pop_front();
      now += 1.0;
      if (s.kind == Step::Kind::train) {
        TrainResult r;
        r.samples = 100;
        r.receipt.accepted = true;
        apply(core->train_done(s.task, now, r));
      } else {
        apply(core->evaluated(s.task, now, {}));
      }
    }
  }

  /// Ticks until the job ends (the join deadline passes on the way).
  void run_to_end() {
    for (int guard = 0; guard < 100 && !final_step; ++guard) {
      answer_all();
      if (final_step) break;
      now += 5.0;
      apply(core->tick(now));
    }
  }

  std::vector<int> shards_in_flight() const {
    std::vector<int> out;
    for (const auto& s : in_flight)
      if (s.kind == Step::Kind::train) out.push_back(s.shard);
    return out;
  }
};

}  // namespace

TEST(DegradedRounds, AShardPinnedToANodeThatHasNotJoinedWaitsAndIsTrainedWhenItJoins) {
  PinnedCluster c;
  c.apply(c.core->start(c.now));
  EXPECT_EQ(c.shards_in_flight(), std::vector<int>{0});
  // Given the other two nodes join before the join timeout.
  c.now = 2.0;
  c.view.push_back({"node-1", 1.0, 1});
  c.view.push_back({"node-2", 1.0, 2});
  // When the scheduler tells the core, then their shards of this round go to them.
  c.apply(c.core->nodes_changed(c.now));
  EXPECT_EQ(c.shards_in_flight(), (std::vector<int>{0, 1, 2}));
  c.run_to_end();
  ASSERT_TRUE(c.final_step);
  EXPECT_EQ(c.final_step->kind, Step::Kind::done) << c.final_step->reason;
  for (const auto& r : c.core->rounds()) EXPECT_FALSE(r.degraded()) << r.round;
}

TEST(DegradedRounds, AShardWhoseNodeNeverJoinsIsLostAfterTheJoinTimeoutAndTheJobEndsDegraded) {
  PinnedCluster c;
  c.apply(c.core->start(c.now));
  c.answer_all();
  // Before the join timeout the round waits for shards 1 and 2.
  EXPECT_TRUE(c.core->rounds().empty());
  c.run_to_end();
  ASSERT_TRUE(c.final_step);
  EXPECT_EQ(c.final_step->kind, Step::Kind::degraded);
  EXPECT_EQ(c.final_step->reason,
            "2 of 2 rounds lost work: round 1 lost shards 1, 2; round 2 lost shards 1, 2 "
            "(--allow-partial-rounds accepts partial rounds)");
  ASSERT_EQ(c.core->rounds().size(), 2U);
  EXPECT_EQ(c.core->rounds()[0].lost_shards, (std::vector<int>{1, 2}));
  EXPECT_EQ(c.core->rounds()[0].failed, 2);
  for (const auto& t : c.core->tracker().tasks()) {
    if (t.state == TaskState::failed) {
      EXPECT_NE(t.error.find("no node can train shard"), std::string::npos) << t.error;
    }
  }
}

TEST(DegradedRounds, WithPartialRoundsAllowedTheJobEndsDoneAndItsRoundsStillListTheLostShards) {
  PinnedCluster c(/*allow_partial=*/true);
  c.apply(c.core->start(c.now));
  c.run_to_end();
  ASSERT_TRUE(c.final_step);
  EXPECT_EQ(c.final_step->kind, Step::Kind::done) << c.final_step->reason;
  ASSERT_EQ(c.core->rounds().size(), 2U);
  EXPECT_TRUE(c.core->rounds()[1].degraded());
}

TEST(DegradedRounds, LostWorkIsEmptyWhenNoRoundLostAShard) {
  std::vector<RoundRecord> rounds(3);
  EXPECT_EQ(lost_work(rounds), "");
  rounds[1].round = 2;
  rounds[1].lost_shards = {4};
  EXPECT_EQ(lost_work(rounds), "1 of 3 rounds lost work: round 2 lost shard 4");
}
