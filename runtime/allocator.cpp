#include "runtime/allocator.hpp"

#include <cmath>
#include <stdexcept>

#include "runtime/priority_allocator.hpp"

namespace troupe::runtime {

std::size_t Allocation::placed() const {
  std::size_t n = 0;
  for (int node : node_of_task) n += node != kUnplaced ? 1 : 0;
  return n;
}

std::vector<std::string> allocator_names() {
  return {"priority"};
}

std::unique_ptr<Allocator> make_allocator(const std::string& name) {
  if (name == "priority") return std::make_unique<PriorityAllocator>();
  std::string known;
  for (const auto& n : allocator_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown allocation policy '" + name + "' (known: " + known + ")");
}

std::string check_allocation(const AllocationRequest& request, const Allocation& allocation) {
  if (allocation.node_of_task.size() != request.tasks.size()) return "one entry per task expected";
  std::vector<double> used(request.nodes.size(), 0.0);
  double objective = 0.0;
  for (std::size_t t = 0; t < request.tasks.size(); ++t) {
    const int node = allocation.node_of_task[t];
    if (node == Allocation::kUnplaced) continue;
    if (node < 0 || static_cast<std::size_t>(node) >= request.nodes.size())
      return "task " + std::to_string(request.tasks[t].task_id) +
             " placed on a node that does not exist";
    if (!request.nodes[static_cast<std::size_t>(node)].available)
      return "task " + std::to_string(request.tasks[t].task_id) + " placed on an unavailable node";
    used[static_cast<std::size_t>(node)] += request.tasks[t].demand;
    objective += request.tasks[t].priority;
  }
  for (std::size_t n = 0; n < used.size(); ++n) {
    const double cap = request.nodes[n].capacity;
    if (used[n] > cap + 1e-9 * std::max(1.0, std::abs(cap)))
      return "node " + request.nodes[n].id + " over capacity";
  }
  if (std::abs(objective - allocation.objective) > 1e-9 * std::max(1.0, std::abs(objective)))
    return "objective does not equal the summed priority of placed tasks";
  return {};
}

}  // namespace troupe::runtime
