#pragma once
/// \file
/// Lagrangian relaxation with primal heuristics and local search: a strong GAP
/// heuristic that also proves a bound.

#include <cstdint>

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// What the Lagrangian search may vary; the defaults are the registered policy's.
struct LagrangianOptions {
  std::uint64_t seed = 1;  ///< perturbations of the iterated local search
  /// Perturbation rounds without a better assignment before the search stops
  /// (the time limit may stop it first). 150 before the branch and bound
  /// followed; with it, 20 gave the same gaps on gap1-12 and gapa-c
  /// (lagrangian_bench) and left the branching the time.
  int stall_rounds = 20;
  /// Perturbation rounds at most, times tasks squared (a round's local search
  /// costs about tasks^2): a work limit that, unlike the clock, keeps the
  /// answer deterministic. Sized, like stall_rounds, for about a second.
  double round_budget = 2e6;
  /// Knapsack cells the branch and bound that follows the local search when
  /// the bound is not met (phase 4) may fill, summed over its branch nodes
  /// (branch_node_work() each): a work limit like round_budget. Sized so
  /// that every OR-Library problem of gapa-c ends within a second
  /// (lagrangian_bench: the slowest in 0.86 s; 6e8 took 1.12 s).
  double branch_budget = 4e8;
  /// The share of the time limit the iterated local search may use when the
  /// branch budget allows a branch node; the branch and bound gets the rest.
  /// 1 by default: the work limits end the search long before, so the answer
  /// does not depend on the clock. until_time_limit() sets 0.2: on generated
  /// type D 10 x 60 instances with 10 s, 0.2 left a smaller mean gap to the
  /// bound than 0.05 or 0.5.
  double search_share = 1.0;

  static LagrangianOptions defaults() { return {}; }
  static LagrangianOptions with_seed(std::uint64_t seed) {
    LagrangianOptions o;
    o.seed = seed;
    return o;
  }
  /// Only the request's time limit stops the search (for benchmarks).
  static LagrangianOptions until_time_limit() {
    LagrangianOptions o;
    o.stall_rounds = 1 << 30;
    o.round_budget = 1e300;
    o.branch_budget = 1e300;
    o.search_share = 0.2;
    return o;
  }
};

/// Bound and heuristic in one search, in four phases:
/// 1. subgradient optimisation of the Lagrangian relaxation of the assignment
///    constraints (one knapsack per node; see LagrangianRelaxation and
///    SubgradientOptimiser) gives an upper bound on the best value (a lower
///    bound on the least cost);
/// 2. at every step the relaxation's choice is repaired into a feasible
///    assignment (gap_repair.hpp) and improved by shift, swap and ejection
///    chain moves (gap_local_search.hpp); the first incumbent is the regret
///    heuristic's answer;
/// 3. once the multipliers settle, an iterated local search (random numbers
///    from a generator seeded with options.seed) walks from assignments close
///    to the best: random shifts and exchanges, every other round a pass
///    through overfilled nodes at a random price (gap_oscillation.hpp), one
///    round in eight a restart from the relaxation at jittered best
///    multipliers, each followed by the local search, until stall_rounds
///    rounds bring nothing better, the round budget is spent or its share of
///    the time limit (search_share) is over;
/// 4. when the best assignment does not meet the bound, a best-first branch
///    and bound on the Lagrangian bound (gap_branching.hpp) lowers the bound
///    and repairs each branch's relaxed choice into further candidates, until
///    the branch budget or the time limit.
/// It stops early when the incumbent meets the bound (proved_optimal), and at
/// request.options.time_limit_s. The result's bound is the best Lagrangian
/// bound, or the branch and bound's where it is lower, rounded when all values are integers.
/// Capacities are never exceeded; with every_task a task may stay unplaced only when no repair
/// found room for it (proved_infeasible when it fits on no node at all). Deterministic for a given
/// request and seed unless the time limit cuts it short.
class LagrangianAllocator final : public Allocator {
 public:
  explicit LagrangianAllocator(LagrangianOptions options = LagrangianOptions::defaults())
      : options_(options) {}
  std::string name() const override { return "lagrangian"; }
  Allocation allocate(const AllocationRequest& request) const override;

 private:
  LagrangianOptions options_;
};

}  // namespace troupe::runtime
