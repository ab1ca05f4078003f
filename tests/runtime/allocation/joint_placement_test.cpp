// One allocation over the runnable tasks of several jobs
// (runtime/allocation/joint_placement.hpp): work a node holds already counts
// against its room, each task's demand is its work over the node's speed for
// its job's model, and the policy maximises the summed priority.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/allocation/joint_placement.hpp"

using namespace troupe::runtime;

namespace {

JointTask task(std::int64_t id, double weight, double examples, std::vector<double> speed) {
  return {id, weight, examples, std::move(speed)};
}

/// The built-in policies (plugins may register more).
const std::vector<std::string> kPolicies = {"priority", "best-fit", "spread",     "pack",
                                            "balanced", "regret",   "lagrangian", "exact"};

}  // namespace

TEST(JointPlacement, WorkANodeHoldsSteersNewTasksToTheOthers) {
  for (const auto& name : kPolicies) {
    const auto policy = make_allocator(name);
    // node-1 holds 10 s of work; two 1 s tasks of another job come.
    const auto step = place_jointly({task(1, 1.0, 1.0, {1.0, 1.0}), task(2, 1.0, 1.0, {1.0, 1.0})},
                                    {{"node-1", 10.0}, {"node-2", 0.0}}, *policy);
    EXPECT_EQ(step.node_of, (std::vector<int>{1, 1})) << name;
    EXPECT_EQ(step.room_s[0], 0.0) << name << ": node-1 is past its share already";
  }
}

TEST(JointPlacement, WithFewerTasksThanNodesThePolicyStillPlacesEach) {
  for (const auto& name : kPolicies) {
    const auto policy = make_allocator(name);
    const auto step = place_jointly({task(1, 1.0, 100.0, {1.0, 1.0, 1.0})},
                                    {{"node-1", 0.0}, {"node-2", 0.0}, {"node-3", 0.0}}, *policy);
    EXPECT_EQ(step.by_policy, 1u) << name;
    EXPECT_GE(step.node_of[0], 0) << name;
  }
}

TEST(JointPlacement, ATasksDemandIsItsWorkOverTheNodesSpeedForItsJobsModel) {
  const auto policy = make_allocator("exact");
  // Job A's model trains 40x faster on node-2 (40 s against 1 s there); job
  // B's at the same speed on both (4 s). Rooms: 4 s on node-1 (its smallest
  // task), 3.3 s on node-2: the one placement of both is A on node-2.
  const auto step = place_jointly({task(1, 1.0, 4.0, {0.1, 4.0}), task(2, 1.0, 4.0, {1.0, 1.0})},
                                  {{"node-1", 0.0}, {"node-2", 0.0}}, *policy);
  EXPECT_EQ(step.node_of, (std::vector<int>{1, 0}));
  EXPECT_EQ(step.by_policy, 2u);
}

TEST(JointPlacement, WhenRoomIsShortThePolicyPlacesTheHigherPriorityFirst) {
  const auto policy = make_allocator("exact");
  // Jobs A (priority 3) and B (priority 1) may run only on node-1, a third
  // job's small task only on node-2: node-1's room takes one of A and B.
  const auto step = place_jointly({task(1, 1.0, 10.0, {1.0, 0.0}), task(2, 3.0, 10.0, {1.0, 0.0}),
                                   task(3, 2.0, 1.0, {0.0, 1.0})},
                                  {{"node-1", 0.0}, {"node-2", 0.0}}, *policy);
  EXPECT_EQ(step.by_policy, 2u);
  EXPECT_DOUBLE_EQ(step.objective, 3.0 + 2.0);
  // The lower one was left to the last resort, the node where it ends first:
  // every task has a node it may run on.
  EXPECT_EQ(step.node_of, (std::vector<int>{0, 0, 1}));
}

TEST(JointPlacement, ATaskNoNodeMayRunIsLeftOutAndBadInputIsRefused) {
  const auto policy = make_allocator("priority");
  const auto step = place_jointly({task(1, 1.0, 1.0, {0.0, 0.0}), task(2, 1.0, 1.0, {1.0, 0.0})},
                                  {{"node-1", 0.0}, {"node-2", 0.0}}, *policy);
  EXPECT_EQ(step.node_of, (std::vector<int>{-1, 0}));
  EXPECT_THROW(
      place_jointly({task(1, 1.0, 1.0, {1.0})}, {{"node-1", 0.0}, {"node-2", 0.0}}, *policy),
      std::invalid_argument);
  EXPECT_TRUE(place_jointly({}, {{"node-1", 0.0}}, *policy).node_of.empty());
}
