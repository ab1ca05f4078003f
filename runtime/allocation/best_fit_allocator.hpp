#pragma once
/// \file
/// Best-fit allocation.

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Resource-aware best fit: tasks in decreasing desirability (larger first among
/// equals), each on the feasible node that it leaves with the least absolute
/// room, summed over resources scaled by the largest node's capacity. Packs
/// small leftovers tightly, like best-fit-decreasing bin packing; O(tasks x nodes).
class BestFitAllocator final : public Allocator {
 public:
  std::string name() const override { return "best-fit"; }
  Allocation allocate(const AllocationRequest& request) const override;
};

}  // namespace troupe::runtime
