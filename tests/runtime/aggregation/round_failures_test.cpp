// The scheduler's task records become the failures a strategy is given.
#include "runtime/aggregation/round_failures.hpp"

#include <gtest/gtest.h>

using namespace troupe::runtime;

namespace {

Task task(std::int64_t id, int round, TaskKind kind = TaskKind::train) {
  Task t;
  t.id = id;
  t.round = round;
  t.kind = kind;
  return t;
}

}  // namespace

TEST(RoundFailures, AreTheFailedTrainingTasksOfThatRoundWithTheirNodeAndError) {
  // Given tasks of two rounds: failed, done and cancelled-by-loss, and a failed evaluation
  TaskTracker tracker;
  for (auto t : {task(5, 2), task(3, 2), task(1, 1), task(4, 2), task(6, 2, TaskKind::evaluate)}) {
    tracker.add(t, 0.0);
    tracker.assign(t.id, "node-" + std::to_string(t.id), 0.0);
  }
  tracker.fail(5, 1.0, "node lost");
  tracker.fail(3, 1.0, "dropped out");
  tracker.fail(1, 1.0, "an earlier round");
  tracker.fail(6, 1.0, "evaluation failed");
  tracker.start(4, 1.0);
  tracker.finish(4, 2.0, 10, 0.5);
  // When the failures of round 2 are collected
  const auto failures = round_failures(tracker, 2);
  // Then only the failed training tasks of round 2 are listed, by task id
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].task_id, 3);
  EXPECT_EQ(failures[0].node, "node-3");
  EXPECT_EQ(failures[0].reason, "dropped out");
  EXPECT_EQ(failures[1].task_id, 5);
  EXPECT_EQ(failures[1].reason, "node lost");
}

TEST(RoundFailures, AreExplainedByReasonWithNonFiniteUpdatesNamedAsSuch) {
  // Given three updates rejected for NaNs (each naming its task) and one lost node
  const std::vector<UpdateFailure> failures{
      {1, "a", "update of task 1 rejected: tensor 'w' value 0 is not finite (nan)"},
      {2, "b", "update of task 2 rejected: tensor 'w' value 3 is not finite (inf)"},
      {3, "c", "node lost"},
      {4, "d", "update of task 4 rejected: tensor 'w' value 0 is not finite (nan)"}};
  // Then the explanation counts them by kind, the most frequent first
  EXPECT_EQ(explain_failures(failures),
            "3 updates rejected: non-finite values (is --lr too large?); 1 task failed: node lost");
  EXPECT_EQ(explain_failures({}), "");
}

TEST(RoundFailures, WithTheSameReasonButForTheTaskNumberAreCountedTogether) {
  const std::vector<UpdateFailure> failures{{7, "a", "task 7 timed out"},
                                            {8, "b", "task 8 timed out"}};
  EXPECT_EQ(explain_failures(failures), "2 tasks failed: task timed out");
}
