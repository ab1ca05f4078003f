#include "runtime/allocation/balanced_allocator.hpp"

#include "runtime/allocation/allocation_scores.hpp"
#include "runtime/allocation/greedy_placement.hpp"

namespace troupe::runtime {

namespace {
// Small enough never to outweigh a difference in balance that matters.
constexpr double kTieBreak = 1e-6;
}  // namespace

Allocation BalancedAllocator::allocate(const AllocationRequest& request) const {
  return place_greedily(request, tasks_by_desirability(request),
                        [](const Resources& free_after, const Resources& capacity) {
                          return -scores::used_fraction_spread(free_after, capacity) +
                                 kTieBreak * scores::free_fraction(free_after, capacity);
                        });
}

}  // namespace troupe::runtime
