#pragma once
/// \file
/// Best-first branch and bound on the Lagrangian bound: a tighter bound (and
/// often better assignments) than the root relaxation alone.

#include <chrono>
#include <functional>
#include <vector>

#include "runtime/gap/gap_model.hpp"

namespace troupe::runtime {

/// What the branching may spend.
struct BranchingLimits {
  std::chrono::steady_clock::time_point deadline;
  /// Branch nodes at most: a work limit that keeps the result deterministic.
  long most_nodes = 0;
};

/// The work of one branch node, in knapsack cells: its subgradient steps
/// times the cells of one relaxation (tasks times capacity plus one, summed
/// over nodes, where knapsacks are solved by dynamic programming; tasks times
/// nodes where they are bounded by their LP). Divides a work budget into
/// BranchingLimits::most_nodes.
double branch_node_work(const GapModel& model);

/// What the branching found.
struct BranchingResult {
  double bound = 0.0;      ///< an upper bound on the best profit, at most the root's
  long nodes = 0;          ///< branch nodes evaluated
  bool exhausted = false;  ///< every branch closed: `best` is optimal
};

/// Splits the search space on (task, node) pairs: one branch keeps the task on
/// that node only, the other forbids it there. Each branch node's bound is the
/// Lagrangian relaxation of its restricted model, by subgradient steps from
/// its parent's multipliers; a branch whose bound cannot beat `best` is
/// closed, and the open branch of highest bound is taken next, so the global
/// bound (the highest open bound) falls as fast as the search allows. The
/// branch is chosen on the task the relaxation places least consistently
/// (in no knapsack or in several), on its most profitable chosen node.
/// Every branch node's relaxed choice is repaired and passed to `improve`;
/// `best` takes any better complete assignment. `root_u` and `root_bound`
/// come from the root's subgradient optimisation.
BranchingResult branch_and_bound(const GapModel& model, const std::vector<double>& root_u,
                                 double root_bound, GapSolution& best,
                                 const std::function<void(GapSolution&)>& improve,
                                 const BranchingLimits& limits);

}  // namespace troupe::runtime
