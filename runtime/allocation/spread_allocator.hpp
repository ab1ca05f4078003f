#pragma once
/// \file
/// Least-allocated (spread) allocation.

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Least allocated (Kubernetes NodeResourcesFit LeastAllocated): tasks in
/// decreasing desirability, each on the feasible node whose mean free fraction
/// over resources (free after placing / capacity, resources the node has) is
/// largest. Spreads load evenly, leaving headroom everywhere; O(tasks x nodes).
class SpreadAllocator final : public Allocator {
 public:
  std::string name() const override { return "spread"; }
  Allocation allocate(const AllocationRequest& request) const override;
};

}  // namespace troupe::runtime
