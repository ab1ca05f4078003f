#include "runtime/allocation/pack_allocator.hpp"

#include "runtime/allocation/allocation_scores.hpp"
#include "runtime/allocation/greedy_placement.hpp"

namespace troupe::runtime {

Allocation PackAllocator::allocate(const AllocationRequest& request) const {
  return place_greedily(request, tasks_by_desirability(request),
                        [](const Resources& free_after, const Resources& capacity) {
                          return -scores::free_fraction(free_after, capacity);
                        });
}

}  // namespace troupe::runtime
