#pragma once
/// \file
/// From the Lagrangian relaxation's choice to a feasible assignment.

#include <vector>

#include "runtime/gap/gap_model.hpp"

namespace troupe::runtime {

/// Turns the knapsack choices `chosen` (t * nodes + n; a task may sit in
/// several knapsacks or none) into an assignment that respects every capacity:
/// tasks chosen by exactly one node keep it, tasks chosen by several keep the
/// one where their profit is highest among those that still fit, and the rest
/// are inserted in order of decreasing regret (best minus second-best profit
/// among the nodes they fit; Martello and Toth's rule) on their best node.
/// Tasks that fit nowhere stay unplaced for the local search to repair; with
/// at-most-once placement a task with negative profit stays out.
GapSolution repair(const GapModel& model, const std::vector<char>& chosen);

}  // namespace troupe::runtime
