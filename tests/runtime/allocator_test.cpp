#include <gtest/gtest.h>

#include <random>

#include "runtime/allocator.hpp"
#include "runtime/priority_allocator.hpp"

using namespace troupe::runtime;

namespace {

AllocationRequest random_request(std::mt19937_64& rng, int tasks, int nodes) {
  std::uniform_real_distribution<double> prio(0.0, 10.0), demand(0.5, 5.0), cap(0.0, 12.0);
  std::bernoulli_distribution down(0.15);
  AllocationRequest r;
  for (int t = 0; t < tasks; ++t) r.tasks.push_back({t, prio(rng), demand(rng)});
  for (int n = 0; n < nodes; ++n)
    r.nodes.push_back({"n" + std::to_string(n), cap(rng), !down(rng)});
  return r;
}

}  // namespace

// Every allocator runs through the same cases.
class AllocatorContract : public ::testing::TestWithParam<std::string> {};

TEST_P(AllocatorContract, RespectsCapacitiesOnRandomInstances) {
  auto alloc = make_allocator(GetParam());
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 500; ++i) {
    const auto req =
        random_request(rng, 1 + static_cast<int>(rng() % 30), 1 + static_cast<int>(rng() % 8));
    const auto a = alloc->allocate(req);
    ASSERT_EQ(check_allocation(req, a), "") << "instance " << i;
  }
}

TEST_P(AllocatorContract, PlacesEverythingWhenCapacityIsAmple) {
  auto alloc = make_allocator(GetParam());
  AllocationRequest req;
  for (int t = 0; t < 10; ++t) req.tasks.push_back({t, 1.0, 1.0});
  req.nodes = {{"a", 100.0, true}, {"b", 100.0, true}};
  const auto a = alloc->allocate(req);
  EXPECT_EQ(a.placed(), 10u);
  EXPECT_DOUBLE_EQ(a.objective, 10.0);
}

TEST_P(AllocatorContract, NeverUsesAnUnavailableNode) {
  auto alloc = make_allocator(GetParam());
  AllocationRequest req;
  req.tasks = {{1, 1.0, 1.0}, {2, 1.0, 1.0}};
  req.nodes = {{"down", 100.0, false}, {"up", 1.0, true}};
  const auto a = alloc->allocate(req);
  EXPECT_EQ(a.placed(), 1u);
  EXPECT_EQ(check_allocation(req, a), "");
}

INSTANTIATE_TEST_SUITE_P(AllAllocators, AllocatorContract, ::testing::ValuesIn(allocator_names()));

TEST(PriorityAllocator, PlacesHigherPriorityTasksFirst) {
  // Room for only one of the two tasks: the higher priority one wins.
  AllocationRequest req;
  req.tasks = {{1, 1.0, 3.0}, {2, 5.0, 3.0}};
  req.nodes = {{"a", 4.0, true}};
  const auto a = PriorityAllocator{}.allocate(req);
  EXPECT_EQ(a.node_of_task, (std::vector<int>{Allocation::kUnplaced, 0}));
  EXPECT_DOUBLE_EQ(a.objective, 5.0);
}

TEST(PriorityAllocator, SpreadsEqualTasksOverEqualNodes) {
  AllocationRequest req;
  for (int t = 0; t < 3; ++t) req.tasks.push_back({t, 1.0, 1.0});
  req.nodes = {{"a", 10.0, true}, {"b", 10.0, true}, {"c", 10.0, true}};
  EXPECT_EQ(PriorityAllocator{}.allocate(req).node_of_task, (std::vector<int>{0, 1, 2}));
}

TEST(Allocator, UnknownPolicyNamesAreRefused) {
  EXPECT_THROW(make_allocator("magic"), std::invalid_argument);
}

TEST(CheckAllocation, DetectsOverCapacity) {
  AllocationRequest req;
  req.tasks = {{1, 1.0, 3.0}, {2, 1.0, 3.0}};
  req.nodes = {{"a", 4.0, true}};
  Allocation bad;
  bad.node_of_task = {0, 0};
  bad.objective = 2.0;
  EXPECT_NE(check_allocation(req, bad), "");
}
