#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>

#include "bench/gap_generator.hpp"
#include "runtime/allocation/allocation_instances.hpp"
#include "runtime/allocation/gap_instance.hpp"
#include "runtime/gap/gap_branching.hpp"
#include "runtime/gap/gap_local_search.hpp"
#include "runtime/gap/gap_model.hpp"
#include "runtime/gap/lagrangian_allocator.hpp"
#include "runtime/gap/subgradient.hpp"

using namespace troupe::runtime;
using troupe::test::brute_force_optimum;
using troupe::test::random_gap;

namespace {

/// The root's multipliers and bound, as the lagrangian policy hands them over.
struct Root {
  std::vector<double> u;
  double bound = 0.0;
};

Root root_of(const GapModel& m) {
  SubgradientOptimiser opt(m);
  for (int step = 0; step < 300 && !opt.converged(); ++step) opt.step(std::nullopt);
  return {opt.best_multipliers(), opt.bound()};
}

BranchingLimits nodes_at_most(long nodes) {
  BranchingLimits limits;
  limits.deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  limits.most_nodes = nodes;
  return limits;
}

/// The profit form's optimum (the model maximises value, or minus the cost).
double as_profit(const AllocationRequest& req, double objective) {
  return req.options.sense == Sense::maximise ? objective : -objective;
}

const auto kNoImprovement = [](GapSolution&) {};

}  // namespace

TEST(GapBranching, UnlimitedItClosesEveryBranchAtTheOptimumOfSmallInstances) {
  std::mt19937_64 rng(23);
  int exhausted = 0;
  for (int i = 0; i < 200; ++i) {
    AllocationOptions o;
    o.sense = i % 2 ? Sense::minimise : Sense::maximise;
    o.placement = i % 4 < 2 ? Placement::every_task : Placement::at_most_once;
    const auto req =
        random_gap(rng, 2 + static_cast<int>(rng() % 6), 1 + static_cast<int>(rng() % 3), o);
    const auto optimum = brute_force_optimum(req);
    if (!optimum) continue;
    const auto m = GapModel::from(req);
    const auto root = root_of(m);
    // From no assignment at all: the branching alone must find the optimum.
    GapSolution best(m);
    const auto r =
        branch_and_bound(m, root.u, root.bound, best, kNoImprovement, nodes_at_most(1000000));
    ASSERT_TRUE(r.exhausted) << "instance " << i;
    ++exhausted;
    EXPECT_NEAR(best.value, as_profit(req, *optimum), 1e-9) << "instance " << i;
    EXPECT_NEAR(r.bound, best.value, 1e-9) << "instance " << i;
    EXPECT_LE(r.bound, root.bound + 1e-9) << "instance " << i;
  }
  EXPECT_GT(exhausted, 150);
}

TEST(GapBranching, CutShortItsBoundStillHoldsAndNeverRisesAboveTheRoots) {
  std::mt19937_64 rng(29);
  for (int i = 0; i < 150; ++i) {
    const auto req =
        random_gap(rng, 6 + static_cast<int>(rng() % 2), 2 + static_cast<int>(rng() % 2),
                   AllocationOptions::gap(i % 2 ? Sense::minimise : Sense::maximise));
    const auto optimum = brute_force_optimum(req);
    if (!optimum) continue;
    const auto m = GapModel::from(req);
    const auto root = root_of(m);
    GapSolution best(m);
    const auto r = branch_and_bound(
        m, root.u, root.bound, best, [&](GapSolution& s) { improve_locally(m, s); },
        nodes_at_most(1 + i % 4));
    EXPECT_GE(r.bound, as_profit(req, *optimum) - 1e-9) << "instance " << i;
    EXPECT_LE(r.bound, root.bound + 1e-9) << "instance " << i;
    EXPECT_LE(r.nodes, 1 + i % 4);
  }
}

TEST(LagrangianAllocator, BranchingRaisesTheLowerBoundOfAHardTypeDInstance) {
  // Chu and Beasley's type D, 10 x 60: the root bound leaves a gap of about
  // 0.5-1 % (docs/allocation.md), which the branch and bound narrows.
  const auto req = to_request(troupe::bench::generate_gap(troupe::bench::GapType::d, 10, 60, 3),
                              Sense::minimise);
  LagrangianOptions root_only;
  root_only.branch_budget = 0.0;
  const auto without = LagrangianAllocator(root_only).allocate(req);
  const auto with = LagrangianAllocator{}.allocate(req);
  ASSERT_TRUE(without.bound && with.bound);
  ASSERT_EQ(check_allocation(req, with), "");
  EXPECT_GT(*with.bound, *without.bound);  // a lower bound on the cost: higher is tighter
  EXPECT_LE(*with.bound, with.objective);
  EXPECT_LE(with.objective, without.objective);
}
