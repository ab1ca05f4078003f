#include "runtime/allocation/best_fit_allocator.hpp"

#include <algorithm>

#include "runtime/allocation/greedy_placement.hpp"

namespace troupe::runtime {

Allocation BestFitAllocator::allocate(const AllocationRequest& request) const {
  Resources scale{};
  for (const auto& n : request.nodes)
    for (std::size_t r = 0; r < kResourceKinds; ++r) scale[r] = std::max(scale[r], n.capacity[r]);
  return place_greedily(request, tasks_by_desirability(request),
                        [scale](const Resources& free_after, const Resources&) {
                          double leftover = 0.0;
                          for (std::size_t r = 0; r < kResourceKinds; ++r)
                            if (scale[r] > 0.0) leftover += free_after[r] / scale[r];
                          return -leftover;
                        });
}

}  // namespace troupe::runtime
