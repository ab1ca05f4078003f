#pragma once
/// \file
/// Most-allocated (pack) allocation.

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Most allocated (Kubernetes NodeResourcesFit MostAllocated): tasks in
/// decreasing desirability, each on the feasible node whose mean used fraction
/// over resources after placing is largest. Fills nodes one by one, leaving
/// whole nodes free for large tasks; O(tasks x nodes).
class PackAllocator final : public Allocator {
 public:
  std::string name() const override { return "pack"; }
  Allocation allocate(const AllocationRequest& request) const override;
};

}  // namespace troupe::runtime
