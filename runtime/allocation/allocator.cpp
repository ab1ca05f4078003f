#include "runtime/allocation/allocator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runtime/allocation/balanced_allocator.hpp"
#include "runtime/allocation/best_fit_allocator.hpp"
#include "runtime/allocation/exact_allocator.hpp"
#include "runtime/allocation/pack_allocator.hpp"
#include "runtime/allocation/priority_allocator.hpp"
#include "runtime/allocation/regret_allocator.hpp"
#include "runtime/allocation/spread_allocator.hpp"
#include "runtime/core/registry.hpp"

namespace troupe::runtime {

TaskDemand TaskDemand::simple(std::int64_t id, double priority, double demand) {
  TaskDemand t;
  t.task_id = id;
  t.priority = priority;
  t.demand = {demand, 0.0, 0.0};
  t.work = demand;
  return t;
}

NodeCapacity NodeCapacity::simple(std::string id, double capacity, bool available) {
  NodeCapacity n;
  n.id = std::move(id);
  n.capacity = {capacity, 0.0, 0.0};
  n.state = available ? NodeState::up : NodeState::down;
  return n;
}

std::size_t Allocation::placed() const {
  std::size_t n = 0;
  for (int node : node_of_task) n += node != kUnplaced ? 1 : 0;
  return n;
}

double Allocation::gap() const {
  if (!bound) return 0.0;
  return std::abs(objective - *bound) / std::max(1.0, std::abs(objective));
}

namespace {

template <class T>
AllocatorFactory make_one() {
  return [] { return std::make_unique<T>(); };
}

/// The one registry of allocation policies, built-ins first. Never destroyed,
/// so that it outlives every static object of the program and its plugins.
Registry<Allocator>& allocators() {
  static Registry<Allocator>* registry = [] {
    auto* r = new Registry<Allocator>("allocation policy");
    r->add("priority", make_one<PriorityAllocator>());
    r->add("best-fit", make_one<BestFitAllocator>());
    r->add("spread", make_one<SpreadAllocator>());
    r->add("pack", make_one<PackAllocator>());
    r->add("balanced", make_one<BalancedAllocator>());
    r->add("regret", make_one<RegretAllocator>());
    r->add("exact", make_one<ExactAllocator>());
    return r;
  }();
  return *registry;
}

}  // namespace

void register_allocator(const std::string& name, AllocatorFactory factory) {
  allocators().add(name, std::move(factory));
}

std::vector<std::string> allocator_names() {
  return allocators().names();
}

std::unique_ptr<Allocator> make_allocator(const std::string& name) {
  return allocators().make(name);
}

double objective_of(const AllocationRequest& request, const std::vector<int>& node_of_task) {
  double objective = 0.0;
  for (std::size_t t = 0; t < node_of_task.size() && t < request.tasks.size(); ++t)
    if (node_of_task[t] >= 0 && static_cast<std::size_t>(node_of_task[t]) < request.nodes.size())
      objective += request.value(t, static_cast<std::size_t>(node_of_task[t]));
  return objective;
}

std::string check_allocation(const AllocationRequest& request, const Allocation& allocation) {
  if (allocation.node_of_task.size() != request.tasks.size()) return "one entry per task expected";
  const std::size_t nodes = request.nodes.size();
  if (!request.pair_value.empty() && request.pair_value.size() != request.tasks.size() * nodes)
    return "pair_value needs tasks x nodes entries";
  if (!request.pair_demand.empty() && request.pair_demand.size() != request.tasks.size() * nodes)
    return "pair_demand needs tasks x nodes entries";
  std::vector<Resources> used(nodes, Resources{});
  for (std::size_t t = 0; t < request.tasks.size(); ++t) {
    const int node = allocation.node_of_task[t];
    if (node == Allocation::kUnplaced) continue;
    const auto id = std::to_string(request.tasks[t].task_id);
    if (node < 0 || static_cast<std::size_t>(node) >= nodes)
      return "task " + id + " placed on a node that does not exist";
    const auto n = static_cast<std::size_t>(node);
    if (!request.nodes[n].available()) return "task " + id + " placed on an unavailable node";
    add(used[n], request.demand(t, n));
  }
  for (std::size_t n = 0; n < nodes; ++n)
    if (!fits(used[n], request.nodes[n].capacity))
      return "node " + request.nodes[n].id + " over capacity";
  const double objective = objective_of(request, allocation.node_of_task);
  if (std::abs(objective - allocation.objective) > 1e-9 * std::max(1.0, std::abs(objective)))
    return "objective does not equal the summed value of placed tasks";
  return {};
}

}  // namespace troupe::runtime
