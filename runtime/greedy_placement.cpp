#include "runtime/greedy_placement.hpp"

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

Allocation place_greedily(const AllocationRequest& request, const std::vector<std::size_t>& order,
                          const NodeScore& score) {
  const std::size_t nodes = request.nodes.size();
  std::vector<Resources> free(nodes);
  for (std::size_t n = 0; n < nodes; ++n) free[n] = request.nodes[n].capacity;
  const bool must_place = request.options.placement == Placement::every_task;
  const bool simple = !request.generalised();

  Allocation out;
  out.node_of_task.assign(request.tasks.size(), Allocation::kUnplaced);
  for (std::size_t t : order) {
    int best = Allocation::kUnplaced;
    double best_value = 0.0;
    double best_score = 0.0;
    for (std::size_t n = 0; n < nodes; ++n) {
      if (!request.nodes[n].available()) continue;
      const Resources& demand = request.demand(t, n);
      if (!fits(demand, free[n])) continue;
      const double value = simple ? 0.0 : request.desirability(t, n);
      Resources after = free[n];
      subtract(after, demand);
      const double s = score(after, request.nodes[n].capacity);
      if (best == Allocation::kUnplaced || value > best_value ||
          (value == best_value && s > best_score)) {
        best = static_cast<int>(n);
        best_value = value;
        best_score = s;
      }
    }
    if (best == Allocation::kUnplaced) continue;
    const auto b = static_cast<std::size_t>(best);
    if (!must_place && request.desirability(t, b) < 0.0) continue;
    subtract(free[b], request.demand(t, b));
    out.node_of_task[t] = best;
    out.objective += request.value(t, b);
  }
  return out;
}

}  // namespace troupe::runtime
