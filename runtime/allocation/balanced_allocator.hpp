#pragma once
/// \file
/// Balanced-resource allocation.

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Balanced (Kubernetes BalancedAllocation): tasks in decreasing desirability,
/// each on the feasible node where the used fractions of its resources after
/// placing are most even (smallest standard deviation over the resources the
/// node has); ties go to the least allocated node. Avoids nodes with one
/// resource exhausted and others idle; O(tasks x nodes).
class BalancedAllocator final : public Allocator {
 public:
  std::string name() const override { return "balanced"; }
  Allocation allocate(const AllocationRequest& request) const override;
};

}  // namespace troupe::runtime
