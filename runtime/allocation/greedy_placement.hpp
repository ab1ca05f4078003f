#pragma once
/// \file
/// The engine shared by the one-pass greedy allocators: take tasks in a given
/// order and put each on the feasible node that a node score likes best.

#include <vector>

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Task indices by decreasing best desirability (see AllocationRequest), then
/// decreasing summed demand, then request order.
std::vector<std::size_t> tasks_by_desirability(const AllocationRequest& request);

/// Places tasks in `order`, each on the available node where it fits with the
/// highest desirability and, among equals, the highest `score` (lowest index
/// among equals). A task that fits nowhere, or whose desirability is negative
/// when placement is optional, stays unplaced. O(tasks x nodes). `score`
/// rates placing a task on a node, higher is better: score(free_after,
/// capacity), the node's capacity left once the task is placed and its
/// capacity in the request. (A template, so the score inlines: this loop is
/// the hot path of every greedy policy and of the simulator.)
template <typename Score>
Allocation place_greedily(const AllocationRequest& request, const std::vector<std::size_t>& order,
                          const Score& score) {
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
