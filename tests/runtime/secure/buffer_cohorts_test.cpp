// Buffers under secure aggregation form by arrival: K joiners close a cohort
// with the next id, a join deadline closes a short one, a lone joiner is
// excluded, and replays and too-stale joiners are refused.
#include <gtest/gtest.h>

#include "runtime/secure/buffer_cohorts.hpp"

using namespace troupe::runtime;

namespace {

std::vector<std::int64_t> tasks_of(const ClosedCohort& c) {
  std::vector<std::int64_t> out;
  for (const auto& m : c.members) out.push_back(m.task_id);
  return out;
}

}  // namespace

TEST(BufferCohorts, TheKthJoinerClosesTheCohortWithTheNextId) {
  BufferCohorts cohorts(3, 5.0);
  EXPECT_FALSE(cohorts.join({1, 0}, 0, 0.0).closed);
  EXPECT_FALSE(cohorts.join({2, 0}, 0, 0.1).closed);
  const auto first = cohorts.join({3, 0}, 0, 0.2).closed;
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, 1);
  EXPECT_EQ(tasks_of(*first), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(cohorts.waiting(), 0);
  EXPECT_FALSE(cohorts.deadline());
  cohorts.join({4, 1}, 1, 1.0);
  cohorts.join({5, 1}, 1, 1.0);
  const auto second = cohorts.join({6, 0}, 1, 1.0).closed;
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, 2);
  EXPECT_EQ(second->members.back().base_version, 0);
}

TEST(BufferCohorts, TheJoinDeadlineClosesAShortCohortOfTwoOrMore) {
  BufferCohorts cohorts(4, 5.0);
  cohorts.join({1, 0}, 0, 1.0);
  cohorts.join({2, 0}, 0, 3.0);
  EXPECT_EQ(cohorts.deadline(), 6.0);  // the first join plus the timeout
  EXPECT_FALSE(cohorts.tick(5.9));
  const auto closed = cohorts.tick(6.0);
  ASSERT_TRUE(closed);
  EXPECT_TRUE(closed->summable());
  EXPECT_EQ(closed->id, 1);
  EXPECT_EQ(tasks_of(*closed), (std::vector<std::int64_t>{1, 2}));
}

TEST(BufferCohorts, ALoneJoinerAtTheDeadlineOrTheEndIsExcludedWithoutAnId) {
  BufferCohorts cohorts(3, 5.0);
  cohorts.join({7, 0}, 0, 0.0);
  const auto lone = cohorts.tick(10.0);
  ASSERT_TRUE(lone);
  EXPECT_FALSE(lone->summable());
  EXPECT_EQ(tasks_of(*lone), (std::vector<std::int64_t>{7}));
  cohorts.join({8, 0}, 0, 11.0);
  const auto at_end = cohorts.close();
  ASSERT_TRUE(at_end);
  EXPECT_FALSE(at_end->summable());
  // The ids go on from 1 for the next summable cohort.
  cohorts.join({9, 0}, 0, 12.0);
  cohorts.join({10, 0}, 0, 12.0);
  EXPECT_EQ(cohorts.close()->id, 1);
  EXPECT_FALSE(cohorts.close());
}

TEST(BufferCohorts, ASecondJoinOfATaskIsRefusedAsAReplay) {
  BufferCohorts cohorts(3, 5.0);
  cohorts.join({1, 0}, 0, 0.0);
  const auto again = cohorts.join({1, 0}, 0, 0.1);
  EXPECT_NE(again.refused.find("task 1"), std::string::npos) << again.refused;
  EXPECT_NE(again.refused.find("replay"), std::string::npos) << again.refused;
  EXPECT_EQ(cohorts.waiting(), 1);
  EXPECT_TRUE(cohorts.seen(1));
}

TEST(BufferCohorts, AJoinerStalerThanMaxStalenessOrFromAnUnknownVersionIsRefused) {
  BufferCohorts cohorts(3, 5.0, /*max_staleness=*/2);
  const auto stale = cohorts.join({1, 1}, 4, 0.0);
  EXPECT_NE(stale.refused.find("3 versions stale"), std::string::npos) << stale.refused;
  EXPECT_NE(stale.refused.find("--max-staleness 2"), std::string::npos) << stale.refused;
  const auto future = cohorts.join({2, 5}, 4, 0.0);
  EXPECT_NE(future.refused.find("unknown"), std::string::npos) << future.refused;
  EXPECT_TRUE(cohorts.join({3, 2}, 4, 0.0).refused.empty());
  EXPECT_EQ(cohorts.waiting(), 1);
}

TEST(BufferCohorts, ABufferSizeBelowTwoIsRefused) {
  EXPECT_THROW(BufferCohorts(1, 5.0), std::invalid_argument);
}

TEST(BufferCohorts, ASecondTaskOfANodeWaitsForTheNextCohort) {
  BufferCohorts cohorts(3, 5.0);
  cohorts.join({1, 0, "a"}, 0, 0.0);
  cohorts.join({2, 0, "b"}, 0, 0.1);
  // Node a's next task, trained while task 1's sum is open: not in this cohort.
  EXPECT_FALSE(cohorts.join({3, 0, "a"}, 0, 0.2).closed);
  EXPECT_EQ(cohorts.waiting(), 3);
  const auto first = cohorts.join({4, 0, "c"}, 0, 0.3).closed;
  ASSERT_TRUE(first);
  EXPECT_EQ(tasks_of(*first), (std::vector<std::int64_t>{1, 2, 4}));
  // It opens the next one, whose deadline counts from its own join.
  EXPECT_EQ(cohorts.waiting(), 1);
  ASSERT_TRUE(cohorts.deadline());
  EXPECT_DOUBLE_EQ(*cohorts.deadline(), 5.2);
  cohorts.join({5, 0, "b"}, 0, 0.4);
  const auto second = cohorts.join({6, 0, "c"}, 0, 0.5).closed;
  ASSERT_TRUE(second);
  EXPECT_EQ(tasks_of(*second), (std::vector<std::int64_t>{3, 5, 6}));
}

TEST(BufferCohorts, AtTheEndJoinersOfOneNodeCloseIntoSeparateCohorts) {
  BufferCohorts cohorts(3, 5.0);
  cohorts.join({1, 0, "a"}, 0, 0.0);
  cohorts.join({2, 0, "a"}, 0, 0.1);
  cohorts.join({3, 0, "b"}, 0, 0.2);
  const auto first = cohorts.close();
  ASSERT_TRUE(first);
  EXPECT_EQ(tasks_of(*first), (std::vector<std::int64_t>{1, 3}));
  const auto second = cohorts.close();
  ASSERT_TRUE(second);
  EXPECT_EQ(tasks_of(*second), (std::vector<std::int64_t>{2}));
  EXPECT_FALSE(second->summable());
  EXPECT_FALSE(cohorts.close());
}
