// The seed's worked example (also examples/allocation): 5 tasks, priorities
// 5, 3, 2, 4, 1, demands 5, 7, 7, 2, 2 (chosen by us), nodes 10, 8, 6.
#include <gtest/gtest.h>

#include "runtime/allocation/allocation_instances.hpp"
#include "runtime/allocation/allocator.hpp"

using namespace troupe::runtime;

namespace {

AllocationRequest seed_example() {
  AllocationRequest r;
  const double priority[] = {5, 3, 2, 4, 1};
  const double demand[] = {5, 7, 7, 2, 2};
  for (int t = 0; t < 5; ++t) r.tasks.push_back(TaskDemand::simple(t + 1, priority[t], demand[t]));
  r.nodes = {NodeCapacity::simple("node-a", 10), NodeCapacity::simple("node-b", 8),
             NodeCapacity::simple("node-c", 6)};
  return r;
}

}  // namespace

TEST(SeedExample, TheOptimumLeavesOutOnlyTheLowestPriorityTask) {
  const auto req = seed_example();
  const auto a = make_allocator("exact")->allocate(req);
  EXPECT_TRUE(a.proved_optimal);
  EXPECT_DOUBLE_EQ(a.objective, 14.0);
  EXPECT_EQ(a.placed(), 4u);
  EXPECT_EQ(a.node_of_task[4], Allocation::kUnplaced);  // task 5, priority 1
  EXPECT_DOUBLE_EQ(*troupe::test::brute_force_optimum(req), 14.0);
}

TEST(SeedExample, PriorityGreedySpreadsAndStrandsCapacity) {
  // Tasks 1 (demand 5) and 4 (demand 2) go to the roomiest nodes (a, then b),
  // after which no node has 7 units free: both 7-unit tasks stay out.
  const auto a = make_allocator("priority")->allocate(seed_example());
  EXPECT_DOUBLE_EQ(a.objective, 10.0);
  EXPECT_EQ(a.placed(), 3u);
}

TEST(SeedExample, PackingHeuristicsComeCloserThanSpreadingOnes) {
  const auto req = seed_example();
  for (const char* name : {"best-fit", "pack", "regret"})
    EXPECT_DOUBLE_EQ(make_allocator(name)->allocate(req).objective, 13.0) << name;
  for (const char* name : {"spread", "balanced"})
    EXPECT_DOUBLE_EQ(make_allocator(name)->allocate(req).objective, 10.0) << name;
}
