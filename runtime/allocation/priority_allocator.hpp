#pragma once
/// \file
/// Priority-greedy allocation.

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Takes tasks in decreasing priority (larger demand first among equals, then
/// request order) and puts each on the available node with the most remaining
/// capacity (summed over resources) that still fits it (lowest index among
/// equals); a task that fits nowhere stays unplaced. Spreads load;
/// O(tasks x nodes). Makes no promise of optimality: it can leave a task
/// unplaced that a better packing would fit. With per-node values it prefers
/// the node where the task is worth most.
class PriorityAllocator final : public Allocator {
 public:
  std::string name() const override { return "priority"; }
  Allocation allocate(const AllocationRequest& request) const override;
};

}  // namespace troupe::runtime
