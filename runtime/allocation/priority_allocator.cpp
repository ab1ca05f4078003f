#include "runtime/allocation/priority_allocator.hpp"

#include "runtime/allocation/greedy_placement.hpp"

namespace troupe::runtime {

Allocation PriorityAllocator::allocate(const AllocationRequest& request) const {
  return place_greedily(request, tasks_by_desirability(request),
                        [](const Resources& free_after, const Resources&) {
                          double room = 0.0;
                          for (double f : free_after) room += f;
                          return room;
                        });
}

}  // namespace troupe::runtime
