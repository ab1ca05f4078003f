#include <gtest/gtest.h>

#include <map>

#include "report/schedule_report.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/simulation/simulator.hpp"
#include "runtime/simulation/synthetic_workload.hpp"
#include "test_util.hpp"

using namespace troupe::runtime;

namespace {

Workload small_synthetic(std::uint64_t seed, int failures = 2) {
  SyntheticOptions o;
  o.tasks = 300;
  o.nodes = 12;
  o.seed = seed;
  o.node_failures = failures;
  return synthetic_workload(o);
}

}  // namespace

// Every registered policy, through the same invariants.
class SimulatorInvariants : public ::testing::TestWithParam<std::string> {};

TEST_P(SimulatorInvariants, EveryTaskEndsExactlyOnceAndNoRunOverlapsItself) {
  const auto policy = make_allocator(GetParam());
  SimulationOptions o;
  o.failure_probability = 0.1;
  const auto w = small_synthetic(3);
  const auto r = simulate(w, *policy, o);
  EXPECT_TRUE(r.drained);
  ASSERT_EQ(r.tasks.size(), w.tasks.size());
  for (const auto& t : r.tasks) {
    EXPECT_TRUE(t.state == RunState::done || t.state == RunState::failed) << t.task.task_id;
    EXPECT_GE(t.attempts, 1);
    EXPECT_LE(t.failures, o.scheduler.max_attempts);
    EXPECT_GE(t.attempts, t.failures);
    if (t.state == RunState::failed) {
      EXPECT_EQ(t.failures, o.scheduler.max_attempts);
    }
    if (t.state == RunState::done) {
      EXPECT_GE(t.started_at, t.queued_at);
      EXPECT_GT(t.finished_at, t.started_at);
    }
  }
}

TEST_P(SimulatorInvariants, ReservationsNeverExceedCapacity) {
  // Replays the finished runs: at every start, the CPU of the runs in progress
  // on a node fits its capacity. (Memory and GPU memory are checked the same way.)
  const auto policy = make_allocator(GetParam());
  const auto w = small_synthetic(4, 0);
  const auto r = simulate(w, *policy);
  std::map<std::string, std::vector<const TaskRecord*>> by_node;
  for (const auto& t : r.tasks)
    if (t.state == RunState::done)
      by_node[r.nodes[static_cast<std::size_t>(t.node)].node.id].push_back(&t);
  for (const auto& slot : r.nodes) {
    const auto& runs = by_node[slot.node.id];
    for (const auto* a : runs) {
      Resources used{};
      for (const auto* b : runs)
        if (b->started_at <= a->started_at && b->finished_at > a->started_at)
          add(used, b->task.demand);
      ASSERT_TRUE(fits(used, slot.node.capacity)) << slot.node.id << " at " << a->started_at;
    }
  }
}

TEST_P(SimulatorInvariants, IsDeterministicForASeed) {
  const auto policy = make_allocator(GetParam());
  SimulationOptions o;
  o.failure_probability = 0.05;
  const auto a = simulate(small_synthetic(5), *policy, o);
  const auto b = simulate(small_synthetic(5), *policy, o);
  ASSERT_EQ(a.events, b.events);
  for (std::size_t i = 0; i < a.tasks.size(); ++i)
    EXPECT_EQ(a.tasks[i].finished_at, b.tasks[i].finished_at);
}

INSTANTIATE_TEST_SUITE_P(Policies, SimulatorInvariants, ::testing::ValuesIn(allocator_names()),
                         troupe::test::ParamName{});

TEST(Simulator, RunsATaskForItsWorkOverTheNodeSpeed) {
  Workload w;
  auto t = TaskDemand::simple(1, 1.0, 1.0);
  t.work = 10.0;
  w.tasks = {{t, 2.0}};
  auto node = NodeCapacity::simple("fast", 4.0);
  node.speed = 2.0;
  w.nodes = {node};
  const auto r = simulate(w, *make_allocator("priority"));
  ASSERT_EQ(r.tasks[0].state, RunState::done);
  EXPECT_DOUBLE_EQ(r.tasks[0].started_at, 2.0);
  EXPECT_DOUBLE_EQ(r.tasks[0].finished_at, 7.0);
  EXPECT_EQ(r.events, 3u);  // arrival, start, completion
}

TEST(Simulator, ATaskThatFitsNowhereLeavesTheSimulationUndrained) {
  Workload w;
  w.tasks = {{TaskDemand::simple(1, 1.0, 100.0), 0.0}};
  w.nodes = {NodeCapacity::simple("small", 4.0)};
  const auto r = simulate(w, *make_allocator("priority"));
  EXPECT_FALSE(r.drained);
  EXPECT_EQ(r.tasks[0].state, RunState::queued);
}

TEST(ScheduleReport, SummarisesASimulation) {
  Workload w;
  for (int i = 0; i < 4; ++i) {
    auto t = TaskDemand::simple(i + 1, i == 3 ? 0.5 : 1.0, 2.0);
    t.work = 10.0;
    if (i == 3) t.deadline = 15.0;  // lowest priority: runs 10..20 and misses it
    w.tasks.push_back({t, 0.0});
  }
  w.nodes = {NodeCapacity::simple("a", 4.0), NodeCapacity::simple("b", 2.0)};
  SimulationOptions o;
  o.scheduler.reassign_on_deadline_miss = false;
  const auto result = simulate(w, *make_allocator("priority"), o);
  const auto r = report_simulation(w, result, "priority");
  EXPECT_EQ(r.done, 4);
  EXPECT_DOUBLE_EQ(r.makespan_s, 20.0);  // three run at once, the fourth after
  EXPECT_DOUBLE_EQ(r.mean_completion_s, 12.5);
  EXPECT_EQ(r.deadline_misses, 1);
  EXPECT_NEAR(r.utilisation, 4 * 10.0 * 2.0 / (6.0 * 20.0), 1e-12);
  EXPECT_DOUBLE_EQ(r.objective, 3.5);
  const auto json = schedule_json(r);
  for (const char* key : {"\"tasks\"", "\"nodes\"", "\"efficiency\"", "\"makespan_s\"",
                          "\"p95_completion_s\"", "\"deadline_misses\"", "\"objective\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
}
