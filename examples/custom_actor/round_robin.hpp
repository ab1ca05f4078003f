#pragma once
// Round-robin allocation: task i goes to the next available node (in turn,
// starting after the previous task's node) that still has room for it.
// Ignores priorities and speeds; a baseline that spreads work evenly.

#include "runtime/allocation/allocator.hpp"

namespace example {

class RoundRobin final : public troupe::runtime::Allocator {
 public:
  std::string name() const override { return "round-robin"; }
  troupe::runtime::Allocation allocate(
      const troupe::runtime::AllocationRequest& request) const override;
};

}  // namespace example
