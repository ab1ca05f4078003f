// allocation_example: the seed's worked example, solved by every allocator.
// Run: build/examples/allocation_example (no arguments; also run as a ctest).
//
// Five tasks with priorities 5, 3, 2, 4, 1 and CPU demands 5, 7, 7, 2, 2 (our
// choice; the seed gives none) on three nodes with capacities 10, 8, 6. The
// demands total 23 of 24 units, yet no allocation fits all five; the best
// leaves out task 5 (priority 1) for an objective of 14. Spreading greedily by
// priority strands capacity: no node keeps 7 units free for tasks 2 and 3.
#include <iomanip>
#include <iostream>

#include "runtime/allocation/allocator.hpp"

using namespace troupe::runtime;

int main() {
  AllocationRequest request;
  const double priority[] = {5, 3, 2, 4, 1};
  const double demand[] = {5, 7, 7, 2, 2};
  for (int t = 0; t < 5; ++t)
    request.tasks.push_back(TaskDemand::simple(t + 1, priority[t], demand[t]));
  request.nodes = {NodeCapacity::simple("node-a", 10), NodeCapacity::simple("node-b", 8),
                   NodeCapacity::simple("node-c", 6)};

  std::cout << "tasks (id: priority/demand):";
  for (const auto& t : request.tasks)
    std::cout << "  " << t.task_id << ": " << t.priority << "/" << t.demand[0];
  std::cout << "\nnodes (id: capacity):";
  for (const auto& n : request.nodes) std::cout << "  " << n.id << ": " << n.capacity[0];
  std::cout << "\n\n"
            << std::left << std::setw(10) << "policy" << std::setw(8) << "task 1" << std::setw(8)
            << "task 2" << std::setw(8) << "task 3" << std::setw(8) << "task 4" << std::setw(8)
            << "task 5"
            << "objective\n";
  int status = 0;
  for (const auto& name : allocator_names()) {
    const auto allocation = make_allocator(name)->allocate(request);
    if (const auto why = check_allocation(request, allocation); !why.empty()) {
      std::cerr << name << ": invalid allocation: " << why << '\n';
      status = 1;
    }
    std::cout << std::setw(10) << name;
    for (int node : allocation.node_of_task)
      std::cout << std::setw(8)
                << (node == Allocation::kUnplaced
                        ? "-"
                        : request.nodes[static_cast<std::size_t>(node)].id);
    std::cout << allocation.objective << (allocation.proved_optimal ? " (proved optimal)" : "")
              << '\n';
  }
  return status;
}
