// allocation_example: the seed's worked example, solved by every allocator, in
// its two forms.
// Run: build/examples/allocation_example (no arguments; also run as a ctest,
// which fails when an allocation breaks a capacity or the exact policy misses
// the known optimum).
//
// Five tasks with priorities 5, 3, 2, 4, 1 on three nodes with capacities 10,
// 8, 6.
//  * Unit demand, the seed's form: every task takes one unit. All five fit,
//    and the optimum is the sum of the priorities, 15.
//  * Demand form: CPU demands 5, 7, 7, 2, 2 (our choice; the seed gives none).
//    They total 23 of 24 units, yet no allocation fits all five; the best
//    leaves out task 5 (priority 1) for an objective of 14. Spreading greedily
//    by priority strands capacity: no node keeps 7 units free for tasks 2 and 3.
#include <iomanip>
#include <iostream>
#include <string>

#include "runtime/allocation/allocator.hpp"

using namespace troupe::runtime;

namespace {

constexpr int kPolicyWidth = 12;
constexpr int kNodeWidth = 8;

/// Prints every policy's allocation of `request`; returns 1 when one is
/// invalid or the exact policy does not reach `optimum`.
int solve(const std::string& title, const AllocationRequest& request, double optimum) {
  std::cout << title << "\ntasks (id: priority/demand):";
  for (const auto& t : request.tasks)
    std::cout << "  " << t.task_id << ": " << t.priority << "/" << t.demand[0];
  std::cout << "\nnodes (id: capacity):";
  for (const auto& n : request.nodes) std::cout << "  " << n.id << ": " << n.capacity[0];
  std::cout << "\n\n" << std::left << std::setw(kPolicyWidth) << "policy";
  for (const auto& t : request.tasks)
    std::cout << std::setw(kNodeWidth) << "task " + std::to_string(t.task_id);
  std::cout << "objective\n";
  int status = 0;
  for (const auto& name : allocator_names()) {
    const auto allocation = make_allocator(name)->allocate(request);
    if (const auto why = check_allocation(request, allocation); !why.empty()) {
      std::cerr << name << ": invalid allocation: " << why << '\n';
      status = 1;
    }
    if (name == "exact" && (!allocation.proved_optimal || allocation.objective != optimum)) {
      std::cerr << "exact: " << allocation.objective << ", not the optimum " << optimum << '\n';
      status = 1;
    }
    std::cout << std::setw(kPolicyWidth) << name;
    for (int node : allocation.node_of_task)
      std::cout << std::setw(kNodeWidth)
                << (node == Allocation::kUnplaced
                        ? "-"
                        : request.nodes[static_cast<std::size_t>(node)].id);
    std::cout << allocation.objective << (allocation.proved_optimal ? " (proved optimal)" : "")
              << '\n';
  }
  std::cout << '\n';
  return status;
}

AllocationRequest seed(const double (&demand)[5]) {
  AllocationRequest request;
  const double priority[] = {5, 3, 2, 4, 1};
  for (int t = 0; t < 5; ++t)
    request.tasks.push_back(TaskDemand::simple(t + 1, priority[t], demand[t]));
  request.nodes = {NodeCapacity::simple("node-a", 10), NodeCapacity::simple("node-b", 8),
                   NodeCapacity::simple("node-c", 6)};
  return request;
}

}  // namespace

int main() {
  const double unit[] = {1, 1, 1, 1, 1};
  const double cpu[] = {5, 7, 7, 2, 2};
  const int a = solve("unit demand: every task takes one unit", seed(unit), 15);
  const int b = solve("demand form: CPU demands 5, 7, 7, 2, 2", seed(cpu), 14);
  return a | b;
}
