// A node's task order (runtime::TaskTurns): one turn at a time, the waiting
// task of the highest priority first, arrival order among equals.
#include "runtime/node/compute_gate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace troupe::runtime;

namespace {

/// Work that records `name` when its turn comes.
TaskTurns::Work record(std::vector<std::string>& ran, std::string name) {
  return [&ran, name](std::uint64_t) { ran.push_back(name); };
}

/// Takes and ends turns until none waits.
void drain(TaskTurns& turns) {
  while (auto next = turns.take()) {
    next->second(next->first);
    turns.end(next->first);
  }
}

}  // namespace

TEST(TaskTurns, WaitingTasksRunHighestPriorityFirstThenInArrivalOrder) {
  TaskTurns turns;
  std::vector<std::string> ran;
  EXPECT_TRUE(turns.add(1.0, record(ran, "a1")));
  EXPECT_TRUE(turns.add(1.0, record(ran, "a2")));  // no turn under way yet
  turns.add(5.0, record(ran, "b1"));
  turns.add(3.0, record(ran, "c1"));
  turns.add(5.0, record(ran, "b2"));
  drain(turns);
  EXPECT_EQ(ran, (std::vector<std::string>{"b1", "b2", "c1", "a1", "a2"}));
  EXPECT_EQ(turns.waiting(), 0u);
  EXPECT_FALSE(turns.busy());
}

TEST(TaskTurns, OneTurnAtATimeAndATaskArrivingDuringItWaitsItsPlace) {
  TaskTurns turns;
  std::vector<std::string> ran;
  turns.add(1.0, record(ran, "low"));
  auto first = turns.take();
  ASSERT_TRUE(first);
  first->second(first->first);
  EXPECT_TRUE(turns.busy());
  // While "low" computes: more arrive; no second turn starts.
  EXPECT_FALSE(turns.add(1.0, record(ran, "low2")));
  EXPECT_FALSE(turns.add(9.0, record(ran, "high")));
  EXPECT_FALSE(turns.take());
  // Its end says a task waits; the high one goes before the earlier low one.
  EXPECT_TRUE(turns.end(first->first));
  drain(turns);
  EXPECT_EQ(ran, (std::vector<std::string>{"low", "high", "low2"}));
}

TEST(TaskTurns, EndingAStaleOrEndedTurnDoesNothing) {
  TaskTurns turns;
  std::vector<std::string> ran;
  turns.add(1.0, record(ran, "x"));
  turns.add(1.0, record(ran, "y"));
  auto x = turns.take();
  ASSERT_TRUE(x);
  EXPECT_FALSE(turns.end(x->first + 7));  // not the current turn
  EXPECT_TRUE(turns.busy());
  EXPECT_TRUE(turns.end(x->first));
  auto y = turns.take();
  ASSERT_TRUE(y);
  // x's task failing late (an error after its computing ended) must not end y's turn.
  EXPECT_FALSE(turns.end(x->first));
  EXPECT_TRUE(turns.busy());
  EXPECT_FALSE(turns.end(y->first));  // nothing waits
  EXPECT_FALSE(turns.end(y->first));  // ended already
  EXPECT_FALSE(turns.busy());
}

TEST(TaskTurns, AComputingTaskYieldsOnlyToAPreemptingTaskOfHigherPriority) {
  TaskTurns turns;
  std::vector<std::string> ran;
  EXPECT_FALSE(turns.should_yield());  // no turn under way
  turns.add(2.0, record(ran, "low"));
  auto low = turns.take();
  ASSERT_TRUE(low);
  turns.add(5.0, record(ran, "higher, no preempt"));
  turns.add(2.0, record(ran, "equal, preempt"), true);
  EXPECT_FALSE(turns.should_yield());  // neither displaces it
  turns.add(3.0, record(ran, "higher, preempt"), true);
  EXPECT_TRUE(turns.should_yield());
  EXPECT_TRUE(turns.preempted_above(2.5));
  EXPECT_FALSE(turns.preempted_above(3.0));

  // The task yields: queued again at its priority, after the higher ones but
  // in its first place among equals (before the one of priority 2 that came later).
  turns.requeue(2.0, record(ran, "low again"));
  EXPECT_TRUE(turns.end(low->first));
  drain(turns);
  EXPECT_EQ(ran, (std::vector<std::string>{"higher, no preempt", "higher, preempt", "low again",
                                           "equal, preempt"}));
}

TEST(TaskTurns, AHeldPreemptingTaskKeepsLowerOnesFromStartingUntilItIsReleased) {
  TaskTurns turns;
  std::vector<std::string> ran;
  const auto h = turns.hold(4.0);  // on its way: its node fetches its model
  EXPECT_TRUE(turns.add(1.0, record(ran, "low")));
  EXPECT_FALSE(turns.take());  // the hold is higher
  EXPECT_EQ(turns.held(), 1u);
  turns.add(4.0, record(ran, "high"), true);  // its model came: queued, then released
  EXPECT_TRUE(turns.release(h));
  drain(turns);
  EXPECT_EQ(ran, (std::vector<std::string>{"high", "low"}));

  // A hold of higher priority makes the computing task yield; its release
  // without a task (the model fetch failed) lets the lower one go on.
  ran.clear();
  turns.add(1.0, record(ran, "again"));
  auto t = turns.take();
  ASSERT_TRUE(t);
  t->second(t->first);
  const auto g = turns.hold(9.0);
  EXPECT_TRUE(turns.should_yield());
  turns.add(1.0, record(ran, "again, queued"));
  turns.end(t->first);
  EXPECT_FALSE(turns.take());
  EXPECT_TRUE(turns.release(g));
  drain(turns);
  EXPECT_EQ(ran, (std::vector<std::string>{"again", "again, queued"}));
}
