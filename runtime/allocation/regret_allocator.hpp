#pragma once
/// \file
/// Regret-based greedy allocation (Martello and Toth's heuristic for the GAP).

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Martello–Toth regret greedy. Desirability of task t on node n is its value
/// (minus its cost when minimising). Repeatedly, among the unplaced tasks, take
/// the one whose regret, the desirability on its best feasible node minus that
/// on its second best, is largest (a task with a single feasible node has
/// infinite regret; ties go to the higher desirability, then request order)
/// and place it on its best node (lowest index among equal desirability).
/// Capacities only shrink, so a task's best and second-best nodes are
/// recomputed only when one of them stops fitting it: O(tasks x nodes) plus
/// the recomputations. With one value per task (the simple form) every regret
/// is 0 and it reduces to priority order with first fit. With per-node values
/// or demands (the GAP form) it also runs Martello and Toth's other measures,
/// -demand/capacity, value/demand and -demand, and keeps the best result
/// (with every_task: the most tasks placed, then the best objective), each
/// after their improvement phase (a task moves to a node where it is worth
/// more when it fits there).
class RegretAllocator final : public Allocator {
 public:
  std::string name() const override { return "regret"; }
  Allocation allocate(const AllocationRequest& request) const override;
};

}  // namespace troupe::runtime
