#include <gtest/gtest.h>

#include "runtime/allocation/priority_allocator.hpp"
#include "runtime/scheduling/online_scheduler.hpp"

using namespace troupe::runtime;

namespace {

TaskDemand task(std::int64_t id, double priority, double cpu,
                std::optional<double> deadline = std::nullopt) {
  auto t = TaskDemand::simple(id, priority, cpu);
  t.deadline = deadline;
  return t;
}

int count(const std::vector<Decision>& ds, Decision::Kind kind) {
  int n = 0;
  for (const auto& d : ds) n += d.kind == kind ? 1 : 0;
  return n;
}

class SchedulerTest : public ::testing::Test {
 protected:
  PriorityAllocator policy;
};

}  // namespace

TEST_F(SchedulerTest, AssignsWhatFitsAndQueuesTheRestByPriority) {
  OnlineScheduler s(policy);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.task_arrived(task(1, 1.0, 3.0), 0.0);
  s.task_arrived(task(2, 9.0, 3.0), 0.0);
  const auto d = s.decide(0.0);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].task, 2);  // the higher priority goes first
  EXPECT_EQ(d[0].node, "a");
  EXPECT_EQ(s.queued(), 1u);
}

TEST_F(SchedulerTest, ReleasesTheReservationOnCompletion) {
  OnlineScheduler s(policy);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.task_arrived(task(1, 1.0, 3.0), 0.0);
  s.task_arrived(task(2, 1.0, 3.0), 0.0);
  auto d = s.decide(0.0);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(s.task_started(d[0].task, d[0].attempt, 0.0));
  EXPECT_TRUE(s.task_completed(d[0].task, d[0].attempt, 5.0));
  d = s.decide(5.0);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].task, 1 == d[0].task ? 2 : 1);
  EXPECT_EQ(s.open_tasks(), 1u);
}

TEST_F(SchedulerTest, RequeuesAFailedRunAndDropsTheTaskAfterMaxAttempts) {
  SchedulerOptions options;
  options.max_attempts = 2;
  OnlineScheduler s(policy, options);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.task_arrived(task(1, 1.0, 3.0), 0.0);
  for (int run = 1; run <= 2; ++run) {
    const auto d = s.decide(run);
    ASSERT_EQ(count(d, Decision::Kind::assign), 1) << "run " << run;
    EXPECT_EQ(d[0].attempt, run);
    s.task_started(1, run, run);
    EXPECT_TRUE(s.task_failed(1, run, run + 0.5));
  }
  const auto d = s.decide(3.0);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, Decision::Kind::drop);
  EXPECT_EQ(s.tasks()[0].state, RunState::failed);
  EXPECT_EQ(s.open_tasks(), 0u);
}

/// Two nodes "a" and "b" of capacity 4.
static void two_nodes(OnlineScheduler& s) {
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.node_joined(NodeCapacity::simple("b", 4.0), 0.0);
}

/// The node of the single assignment decide(`now`) makes ("" when not one).
static std::string placed(OnlineScheduler& s, double now) {
  const auto d = s.decide(now);
  return count(d, Decision::Kind::assign) == 1 ? d[0].node : std::string();
}

// A task that failed on a node is retried elsewhere when another node has
// room, even where the policy would pick the same node again; with no room
// elsewhere it goes back rather than waiting unplaced.
TEST_F(SchedulerTest, RetriesAFailedTaskOnAnotherNodeWhenOneHasRoom) {
  OnlineScheduler s(policy);
  two_nodes(s);
  s.task_arrived(task(1, 1.0, 3.0), 0.0);
  const std::string first = placed(s, 0.0);
  ASSERT_FALSE(first.empty());
  s.task_started(1, 1, 0.1);
  ASSERT_TRUE(s.task_failed(1, 1, 0.2));
  const std::string second = placed(s, 0.3);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first) << "retried on the node it failed on";
  // The other node fails it too, and is now the one to avoid.
  s.task_started(1, 2, 0.4);
  ASSERT_TRUE(s.task_failed(1, 2, 0.5));
  EXPECT_EQ(placed(s, 0.6), first);
}

TEST_F(SchedulerTest, RetriesOnTheSameNodeWhenNoOtherHasRoom) {
  OnlineScheduler s(policy);
  two_nodes(s);
  s.task_arrived(task(1, 1.0, 3.0), 0.0);
  const std::string first = placed(s, 0.0);
  s.task_arrived(task(2, 1.0, 3.0), 0.0);
  const std::string other = placed(s, 0.0);
  ASSERT_FALSE(first.empty());
  ASSERT_NE(other, first);  // the other node now has 1 of 4 free
  s.task_started(1, 1, 0.1);
  s.task_started(2, 1, 0.1);
  ASSERT_TRUE(s.task_failed(1, 1, 0.2));
  EXPECT_EQ(placed(s, 0.3), first);
}

TEST_F(SchedulerTest, IgnoresEventsFromAStaleRun) {
  OnlineScheduler s(policy);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.task_arrived(task(1, 1.0, 3.0), 0.0);
  s.decide(0.0);
  s.task_started(1, 1, 0.0);
  s.task_failed(1, 1, 1.0);
  s.decide(1.0);                              // second run
  EXPECT_FALSE(s.task_completed(1, 1, 2.0));  // the first run cannot complete
  EXPECT_TRUE(s.task_completed(1, 2, 3.0));
  EXPECT_FALSE(s.task_completed(1, 2, 4.0));  // nor can a run complete twice
  EXPECT_FALSE(s.task_completed(99, 1, 4.0));
}

TEST_F(SchedulerTest, MovesTheTasksOfALostNodeElsewhere) {
  OnlineScheduler s(policy);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.task_arrived(task(1, 1.0, 3.0), 0.0);
  auto d = s.decide(0.0);
  s.task_started(1, d[0].attempt, 0.0);
  s.node_joined(NodeCapacity::simple("b", 4.0), 1.0);
  EXPECT_TRUE(s.node_left("a", 2.0));
  d = s.decide(2.0);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].node, "b");
  EXPECT_FALSE(s.task_completed(1, 1, 3.0));  // the lost run
}

TEST_F(SchedulerTest, TreatsANodeWithoutHeartbeatsAsLost) {
  SchedulerOptions options;
  options.heartbeat_timeout_s = 10.0;
  OnlineScheduler s(policy, options);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.node_joined(NodeCapacity::simple("b", 4.0), 0.0);
  s.heartbeat("b", 8.0);
  s.decide(15.0);
  EXPECT_FALSE(s.nodes()[0].alive);
  EXPECT_TRUE(s.nodes()[1].alive);
}

TEST_F(SchedulerTest, CancelsAndReassignsARunPastItsDeadline) {
  OnlineScheduler s(policy);
  s.node_joined(NodeCapacity::simple("slow", 4.0), 0.0);
  s.task_arrived(task(1, 1.0, 3.0, 5.0), 0.0);
  auto d = s.decide(0.0);
  s.task_started(1, d[0].attempt, 0.0);
  d = s.decide(6.0);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, Decision::Kind::cancel);
  EXPECT_EQ(d[1].kind, Decision::Kind::assign);
  EXPECT_EQ(d[1].attempt, 2);
  EXPECT_TRUE(s.tasks()[0].deadline_missed);
}

TEST_F(SchedulerTest, OnlyCountsAMissWhenReassignmentIsOff) {
  SchedulerOptions options;
  options.reassign_on_deadline_miss = false;
  OnlineScheduler s(policy, options);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.task_arrived(task(1, 1.0, 3.0, 5.0), 0.0);
  auto d = s.decide(0.0);
  s.task_started(1, d[0].attempt, 0.0);
  EXPECT_TRUE(s.decide(6.0).empty());
  EXPECT_TRUE(s.task_completed(1, 1, 7.0));
  EXPECT_TRUE(s.tasks()[0].deadline_missed);
}

TEST_F(SchedulerTest, RefusesDuplicateTasksAndUnknownNodes) {
  OnlineScheduler s(policy);
  EXPECT_TRUE(s.task_arrived(task(1, 1.0, 1.0), 0.0));
  EXPECT_FALSE(s.task_arrived(task(1, 1.0, 1.0), 0.0));
  EXPECT_FALSE(s.node_left("nobody", 0.0));
  EXPECT_FALSE(s.heartbeat("nobody", 0.0));
  EXPECT_TRUE(s.decide(0.0).empty());  // no nodes: nothing to decide
}

namespace {

/// The order in which one node that fits one task at a time runs three queued
/// tasks: 1 (priority 5, no deadline), 2 (priority 1, deadline 10), 3
/// (priority 3, deadline 5), queued in that order. A window of one task shows
/// the queue's order (a wider window lets the policy choose among its tasks).
std::vector<std::int64_t> run_order(QueueOrder order) {
  PriorityAllocator policy;
  SchedulerOptions options;
  options.order = order;
  options.window = 1;
  OnlineScheduler s(policy, options);
  s.node_joined(NodeCapacity::simple("a", 4.0), 0.0);
  s.task_arrived(task(1, 5.0, 3.0), 0.0);
  s.task_arrived(task(2, 1.0, 3.0, 10.0), 0.1);
  s.task_arrived(task(3, 3.0, 3.0, 5.0), 0.2);
  std::vector<std::int64_t> ran;
  double now = 1.0;
  while (ran.size() < 3) {
    const auto d = s.decide(now);
    if (d.size() != 1U) break;
    ran.push_back(d[0].task);
    s.task_started(d[0].task, d[0].attempt, now);
    now += 1.0;
    s.task_completed(d[0].task, d[0].attempt, now);
  }
  return ran;
}

}  // namespace

TEST(QueueOrders, PriorityDeadlineAndFifoOfferTheQueueInTheirOrder) {
  EXPECT_EQ(run_order(QueueOrder::priority), (std::vector<std::int64_t>{1, 3, 2}));
  EXPECT_EQ(run_order(QueueOrder::deadline), (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(run_order(QueueOrder::fifo), (std::vector<std::int64_t>{1, 2, 3}));
}
