#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "runtime/allocation/allocation_instances.hpp"
#include "runtime/allocation/exact_allocator.hpp"
#include "runtime/simulation/synthetic_workload.hpp"

using namespace troupe::runtime;
using troupe::test::brute_force_optimum;
using troupe::test::random_gap;
using troupe::test::random_request;

namespace {

constexpr double kTolerance = 1e-6;

bool at_least_as_good(Sense sense, double a, double b) {
  return sense == Sense::maximise ? a >= b - kTolerance : a <= b + kTolerance;
}

/// The simulator's synthetic tasks and nodes (3 resources) as one request.
AllocationRequest synthetic_request(int tasks, int nodes, double time_limit_s) {
  SyntheticOptions so;
  so.tasks = tasks;
  so.nodes = nodes;
  const auto workload = synthetic_workload(so);
  AllocationRequest req;
  for (const auto& t : workload.tasks) req.tasks.push_back(t.task);
  req.nodes = workload.nodes;
  req.options.time_limit_s = time_limit_s;
  return req;
}

/// Every greedy answer is a floor for the exact policy's, timed out or not.
void expect_valid_and_no_worse_than_greedy(const AllocationRequest& req, const Allocation& a) {
  EXPECT_EQ(check_allocation(req, a), "");
  if (a.bound) {
    EXPECT_GE(*a.bound, a.objective - kTolerance);
  }
  for (const auto& name : allocator_names()) {
    if (name == "exact" || name == "lagrangian") continue;
    const auto h = make_allocator(name)->allocate(req);
    EXPECT_GE(a.objective, h.objective - kTolerance) << name;
  }
}

}  // namespace

TEST(ExactAllocator, MatchesBruteForceOnSmallSimpleInstances) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 60; ++i) {
    const auto req =
        random_request(rng, 1 + static_cast<int>(rng() % 7), 1 + static_cast<int>(rng() % 3));
    const auto a = ExactAllocator{}.allocate(req);
    const auto best = brute_force_optimum(req);
    ASSERT_TRUE(best.has_value());
    EXPECT_TRUE(a.proved_optimal) << "instance " << i << ": " << a.note << " status " << a.placed();
    EXPECT_NEAR(a.objective, *best, kTolerance) << "instance " << i;
    EXPECT_EQ(check_allocation(req, a), "");
  }
}

TEST(ExactAllocator, MatchesBruteForceOnSmallGapInstancesInBothSenses) {
  std::mt19937_64 rng(12);
  for (int i = 0; i < 60; ++i) {
    const Sense sense = i % 2 ? Sense::minimise : Sense::maximise;
    const auto req = random_gap(rng, 2 + static_cast<int>(rng() % 6),
                                1 + static_cast<int>(rng() % 3), AllocationOptions::gap(sense));
    const auto a = ExactAllocator{}.allocate(req);
    const auto best = brute_force_optimum(req);
    if (!best) {
      EXPECT_TRUE(a.proved_infeasible) << "instance " << i;
      continue;
    }
    ASSERT_TRUE(a.proved_optimal) << "instance " << i << ": " << a.note;
    EXPECT_TRUE(a.complete());
    EXPECT_NEAR(a.objective, *best, kTolerance) << "instance " << i;
    ASSERT_TRUE(a.bound.has_value());
    EXPECT_NEAR(a.gap(), 0.0, kTolerance);
  }
}

TEST(ExactAllocator, NoHeuristicBeatsTheProvedOptimum) {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 40; ++i) {
    const Sense sense = i % 2 ? Sense::minimise : Sense::maximise;
    auto req = i % 3 == 0 ? random_request(rng, 12, 4)
                          : random_gap(rng, 20, 4, AllocationOptions::gap(sense));
    const auto optimum = ExactAllocator{}.allocate(req);
    if (optimum.proved_infeasible) continue;
    ASSERT_TRUE(optimum.proved_optimal) << "instance " << i;
    for (const auto& name : allocator_names()) {
      const auto h = make_allocator(name)->allocate(req);
      const bool valid = req.options.placement == Placement::at_most_once || h.complete();
      if (!valid) continue;
      EXPECT_TRUE(at_least_as_good(req.options.sense, optimum.objective, h.objective))
          << name << " on instance " << i;
    }
  }
}

TEST(ExactAllocator, ReportsAnInfeasibleEveryTaskRequestClearly) {
  AllocationRequest req;
  req.options = AllocationOptions::gap(Sense::minimise);
  req.tasks = {TaskDemand::simple(0, 1.0, 3.0), TaskDemand::simple(1, 1.0, 3.0)};
  req.nodes = {NodeCapacity::simple("a", 4.0)};
  const auto a = ExactAllocator{}.allocate(req);
  EXPECT_TRUE(a.proved_infeasible);
  EXPECT_FALSE(a.proved_optimal);
  EXPECT_NE(a.note, "");
}

TEST(ExactAllocator, AtMostOncePlacementLeavesAnUnprofitableTaskOut) {
  // Placing the second task would cost, so the maximum leaves it unplaced.
  AllocationRequest req;
  req.tasks = {TaskDemand::simple(0, 3.0, 1.0), TaskDemand::simple(1, -2.0, 1.0)};
  req.nodes = {NodeCapacity::simple("a", 4.0)};
  const auto a = ExactAllocator{}.allocate(req);
  EXPECT_EQ(a.node_of_task, (std::vector<int>{0, Allocation::kUnplaced}));
  EXPECT_DOUBLE_EQ(a.objective, 3.0);
}

TEST(ExactAllocator, CallsAtOnceEachAnswerValidlyWhileOneSearchRunsAtATime) {
  // CBC keeps static data, so one search runs at a time in the process; a
  // call that finds the search busy waits at most until its own deadline and
  // then answers with its warm start. Both answers must fit and keep every
  // greedy answer as a floor, whichever call searched.
  const auto req = synthetic_request(400, 40, 0.3);
  Allocation first, second;
  std::thread other([&] { first = ExactAllocator{}.allocate(req); });
  second = ExactAllocator{}.allocate(req);
  other.join();
  expect_valid_and_no_worse_than_greedy(req, first);
  expect_valid_and_no_worse_than_greedy(req, second);
}

TEST(ExactAllocator, WhenTimeRunsOutItIsValidAndNoWorseThanAnyGreedyPolicy) {
  // 1,000 tasks x 100 nodes, 3 resources: CBC's root LP alone takes longer
  // than this limit, so Clp is stopped by the clock inside an LP. What is
  // returned must still fit, keep every greedy answer as a floor, and carry
  // only a bound that holds.
  const auto req = synthetic_request(1'000, 100, 0.2);
  expect_valid_and_no_worse_than_greedy(req, ExactAllocator{}.allocate(req));
}
