#include "round_robin.hpp"

namespace example {

using namespace troupe::runtime;

Allocation RoundRobin::allocate(const AllocationRequest& request) const {
  Allocation out;
  const std::size_t nodes = request.nodes.size();
  std::vector<Resources> left;
  for (const auto& n : request.nodes) left.push_back(n.capacity);
  std::size_t next = 0;
  for (std::size_t t = 0; t < request.tasks.size(); ++t) {
    int chosen = Allocation::kUnplaced;
    for (std::size_t k = 0; k < nodes && chosen == Allocation::kUnplaced; ++k) {
      const std::size_t n = (next + k) % nodes;
      if (!request.nodes[n].available() || !fits(request.demand(t, n), left[n])) continue;
      subtract(left[n], request.demand(t, n));
      chosen = static_cast<int>(n);
      next = n + 1;
    }
    out.node_of_task.push_back(chosen);
  }
  out.objective = objective_of(request, out.node_of_task);
  return out;
}

}  // namespace example
