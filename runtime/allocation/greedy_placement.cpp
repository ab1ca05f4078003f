#include "runtime/allocation/greedy_placement.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace troupe::runtime {

std::vector<std::size_t> tasks_by_desirability(const AllocationRequest& request) {
  const std::size_t tasks = request.tasks.size();
  std::vector<double> best(tasks, -std::numeric_limits<double>::infinity());
  std::vector<double> size(tasks, 0.0);
  for (std::size_t t = 0; t < tasks; ++t) {
    if (!request.generalised()) {
      best[t] = request.desirability(t, 0);
      for (double d : request.tasks[t].demand) size[t] += d;
      continue;
    }
    for (std::size_t n = 0; n < request.nodes.size(); ++n) {
      best[t] = std::max(best[t], request.desirability(t, n));
      double s = 0.0;
      for (double d : request.demand(t, n)) s += d;
      size[t] = std::max(size[t], s);
    }
  }
  std::vector<std::size_t> order(tasks);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (best[a] != best[b]) return best[a] > best[b];
    return size[a] > size[b];
  });
  return order;
}

}  // namespace troupe::runtime
