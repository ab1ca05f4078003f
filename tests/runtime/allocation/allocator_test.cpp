#include <gtest/gtest.h>

#include <random>

#include "runtime/allocation/allocation_instances.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/allocation/balanced_allocator.hpp"
#include "runtime/allocation/best_fit_allocator.hpp"
#include "runtime/allocation/pack_allocator.hpp"
#include "runtime/allocation/priority_allocator.hpp"
#include "runtime/allocation/regret_allocator.hpp"
#include "runtime/allocation/spread_allocator.hpp"
#include "test_util.hpp"

using namespace troupe::runtime;
using troupe::test::random_gap;
using troupe::test::random_request;

namespace {

// Searching allocators stop early on the contract's instances: the contract is
// about validity, which must hold for whatever a search has found so far.
constexpr double kSearchSeconds = 0.02;

AllocationRequest uniform_request(int tasks, double demand, std::vector<double> capacities) {
  AllocationRequest req;
  for (int t = 0; t < tasks; ++t) req.tasks.push_back(TaskDemand::simple(t, 1.0, demand));
  for (std::size_t n = 0; n < capacities.size(); ++n)
    req.nodes.push_back(
        NodeCapacity::simple(std::string(1, static_cast<char>('a' + n)), capacities[n]));
  return req;
}

}  // namespace

// Every allocator runs through the same cases.
class AllocatorContract : public ::testing::TestWithParam<std::string> {};

TEST_P(AllocatorContract, RespectsCapacitiesOnRandomInstances) {
  auto alloc = make_allocator(GetParam());
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 500; ++i) {
    auto req =
        random_request(rng, 1 + static_cast<int>(rng() % 30), 1 + static_cast<int>(rng() % 8));
    req.options.time_limit_s = kSearchSeconds;
    const auto a = alloc->allocate(req);
    ASSERT_EQ(check_allocation(req, a), "") << "instance " << i;
  }
}

TEST_P(AllocatorContract, RespectsCapacitiesOnRandomGeneralisedInstances) {
  auto alloc = make_allocator(GetParam());
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100; ++i) {
    const auto options =
        i % 2 ? AllocationOptions::gap(i % 4 == 1 ? Sense::maximise : Sense::minimise)
              : AllocationOptions::maximise_value();
    auto req =
        random_gap(rng, 1 + static_cast<int>(rng() % 20), 1 + static_cast<int>(rng() % 5), options);
    req.options.time_limit_s = kSearchSeconds;
    const auto a = alloc->allocate(req);
    ASSERT_EQ(check_allocation(req, a), "") << "instance " << i;
  }
}

TEST_P(AllocatorContract, PlacesEverythingWhenCapacityIsAmple) {
  auto alloc = make_allocator(GetParam());
  const auto req = uniform_request(10, 1.0, {100.0, 100.0});
  const auto a = alloc->allocate(req);
  EXPECT_EQ(a.placed(), 10u);
  EXPECT_DOUBLE_EQ(a.objective, 10.0);
}

TEST_P(AllocatorContract, NeverUsesAnUnavailableNode) {
  auto alloc = make_allocator(GetParam());
  AllocationRequest req;
  req.tasks = {TaskDemand::simple(1, 1.0, 1.0), TaskDemand::simple(2, 1.0, 1.0)};
  req.nodes = {NodeCapacity::simple("down", 100.0, false), NodeCapacity::simple("up", 1.0)};
  const auto a = alloc->allocate(req);
  EXPECT_EQ(a.placed(), 1u);
  EXPECT_EQ(check_allocation(req, a), "");
}

TEST_P(AllocatorContract, ATaskNeedingMoreGpuMemoryThanAnyNodeHasStaysUnplaced) {
  auto alloc = make_allocator(GetParam());
  AllocationRequest req = uniform_request(2, 1.0, {10.0, 10.0});
  req.tasks[1].demand[2] = 16.0;  // GPU memory
  for (auto& n : req.nodes) n.capacity[2] = 8.0;
  const auto a = alloc->allocate(req);
  EXPECT_NE(a.node_of_task[0], Allocation::kUnplaced);
  EXPECT_EQ(a.node_of_task[1], Allocation::kUnplaced);
}

TEST_P(AllocatorContract, HandlesEmptyRequests) {
  auto alloc = make_allocator(GetParam());
  AllocationRequest no_tasks = uniform_request(0, 1.0, {1.0});
  EXPECT_EQ(alloc->allocate(no_tasks).placed(), 0u);
  AllocationRequest no_nodes = uniform_request(3, 1.0, {});
  const auto a = alloc->allocate(no_nodes);
  EXPECT_EQ(a.node_of_task, (std::vector<int>(3, Allocation::kUnplaced)));
}

INSTANTIATE_TEST_SUITE_P(AllAllocators, AllocatorContract, ::testing::ValuesIn(allocator_names()),
                         troupe::test::ParamName{});

TEST(PriorityAllocator, PlacesHigherPriorityTasksFirst) {
  // Room for only one of the two tasks: the higher priority one wins.
  AllocationRequest req;
  req.tasks = {TaskDemand::simple(1, 1.0, 3.0), TaskDemand::simple(2, 5.0, 3.0)};
  req.nodes = {NodeCapacity::simple("a", 4.0)};
  const auto a = PriorityAllocator{}.allocate(req);
  EXPECT_EQ(a.node_of_task, (std::vector<int>{Allocation::kUnplaced, 0}));
  EXPECT_DOUBLE_EQ(a.objective, 5.0);
}

TEST(PriorityAllocator, SpreadsEqualTasksOverEqualNodes) {
  const auto req = uniform_request(3, 1.0, {10.0, 10.0, 10.0});
  EXPECT_EQ(PriorityAllocator{}.allocate(req).node_of_task, (std::vector<int>{0, 1, 2}));
}

TEST(PackAllocator, FillsOneNodeBeforeTheNext) {
  const auto req = uniform_request(3, 1.0, {10.0, 10.0, 10.0});
  EXPECT_EQ(PackAllocator{}.allocate(req).node_of_task, (std::vector<int>{0, 0, 0}));
}

TEST(SpreadAllocator, PrefersTheNodeWithTheLargestFreeFraction) {
  // After one task, a small node half full loses to a large node barely used.
  const auto req = uniform_request(2, 2.0, {4.0, 40.0});
  EXPECT_EQ(SpreadAllocator{}.allocate(req).node_of_task, (std::vector<int>{1, 1}));
}

TEST(BestFitAllocator, PutsATaskWhereItLeavesTheLeastRoom) {
  const auto req = uniform_request(1, 3.0, {10.0, 4.0, 6.0});
  EXPECT_EQ(BestFitAllocator{}.allocate(req).node_of_task, (std::vector<int>{1}));
}

TEST(BalancedAllocator, PutsACpuTaskWhereMemoryIsAlreadyUsedWhileSpreadDoesNot) {
  // Given two equal nodes (10 CPU, 10 memory) and a memory-only task (placed
  // first, on node a), when a CPU-only task follows, then balanced evens out
  // node a's fractions (0.5, 0.5) while spread prefers the emptier node b.
  AllocationRequest req;
  req.tasks = {TaskDemand::simple(0, 2.0, 0.0), TaskDemand::simple(1, 1.0, 5.0)};
  req.tasks[0].demand = {0.0, 5.0, 0.0};
  for (const char* id : {"a", "b"}) {
    auto node = NodeCapacity::simple(id, 10.0);
    node.capacity[1] = 10.0;
    req.nodes.push_back(node);
  }
  EXPECT_EQ(BalancedAllocator{}.allocate(req).node_of_task, (std::vector<int>{0, 0}));
  EXPECT_EQ(SpreadAllocator{}.allocate(req).node_of_task, (std::vector<int>{0, 1}));
}

TEST(RegretAllocator, PlacesTheTaskWithTheMostToLoseFirst) {
  // Task 0 is worth 10 on either node; task 1 is worth 9 on node 0 and 1 on
  // node 1. Node 0 takes one task. Priority order would give node 0 to task 0
  // (10 + 1 = 11); regret places task 1 first (regret 8) for 9 + 10 = 19.
  AllocationRequest req;
  req.tasks = {TaskDemand::simple(0, 0, 0), TaskDemand::simple(1, 0, 0)};
  req.nodes = {NodeCapacity::simple("a", 1.0), NodeCapacity::simple("b", 1.0)};
  req.pair_value = {10.0, 10.0, 9.0, 1.0};
  req.pair_demand.assign(4, Resources{1.0, 0.0, 0.0});
  const auto a = RegretAllocator{}.allocate(req);
  EXPECT_EQ(a.node_of_task, (std::vector<int>{1, 0}));
  EXPECT_DOUBLE_EQ(a.objective, 19.0);
}

TEST(Allocator, UnknownPolicyNamesAreRefused) {
  EXPECT_THROW(make_allocator("magic"), std::invalid_argument);
}

TEST(Allocator, EveryListedNameMakesAnAllocatorOfThatName) {
  for (const auto& name : allocator_names()) EXPECT_EQ(make_allocator(name)->name(), name);
}

TEST(CheckAllocation, DetectsOverCapacity) {
  AllocationRequest req;
  req.tasks = {TaskDemand::simple(1, 1.0, 3.0), TaskDemand::simple(2, 1.0, 3.0)};
  req.nodes = {NodeCapacity::simple("a", 4.0)};
  Allocation bad;
  bad.node_of_task = {0, 0};
  bad.objective = 2.0;
  EXPECT_NE(check_allocation(req, bad), "");
}

TEST(CheckAllocation, DetectsOverCapacityInASecondResource) {
  AllocationRequest req = uniform_request(2, 1.0, {10.0});
  req.tasks[0].demand[1] = 3.0;
  req.tasks[1].demand[1] = 3.0;
  req.nodes[0].capacity[1] = 5.0;
  Allocation bad;
  bad.node_of_task = {0, 0};
  bad.objective = 2.0;
  EXPECT_NE(check_allocation(req, bad), "");
}

TEST(CheckAllocation, DetectsAWrongObjective) {
  const auto req = uniform_request(1, 1.0, {10.0});
  Allocation bad;
  bad.node_of_task = {0};
  bad.objective = 5.0;
  EXPECT_NE(check_allocation(req, bad), "");
}
