#include "runtime/priority_allocator.hpp"

#include <algorithm>
#include <numeric>

namespace troupe::runtime {

Allocation PriorityAllocator::allocate(const AllocationRequest& request) const {
  const auto& tasks = request.tasks;
  std::vector<std::size_t> order(tasks.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (tasks[a].priority != tasks[b].priority) return tasks[a].priority > tasks[b].priority;
    return tasks[a].demand > tasks[b].demand;
  });

  std::vector<double> remaining(request.nodes.size());
  for (std::size_t n = 0; n < request.nodes.size(); ++n) remaining[n] = request.nodes[n].capacity;

  Allocation out;
  out.node_of_task.assign(tasks.size(), Allocation::kUnplaced);
  for (std::size_t t : order) {
    int best = Allocation::kUnplaced;
    for (std::size_t n = 0; n < request.nodes.size(); ++n) {
      if (!request.nodes[n].available || remaining[n] < tasks[t].demand) continue;
      if (best == Allocation::kUnplaced || remaining[n] > remaining[static_cast<std::size_t>(best)])
        best = static_cast<int>(n);
    }
    if (best == Allocation::kUnplaced) continue;
    remaining[static_cast<std::size_t>(best)] -= tasks[t].demand;
    out.node_of_task[t] = best;
    out.objective += tasks[t].priority;
  }
  return out;
}

}  // namespace troupe::runtime
