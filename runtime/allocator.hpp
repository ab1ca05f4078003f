#pragma once
/// \file
/// The allocation interface: which node runs which task. An allocator is a pure
/// function of its request: no clocks, no transport, no hidden state.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace troupe::runtime {

/// A task as an allocator sees it.
struct TaskDemand {
  std::int64_t task_id = 0;
  double priority = 0.0;  ///< value gained by placing the task
  double demand = 0.0;    ///< capacity it uses on the node it goes to
};

/// A node as an allocator sees it.
struct NodeCapacity {
  std::string id;
  double capacity = 0.0;  ///< capacity left for this allocation
  bool available = true;  ///< false: alive but not taking work (or lost)
};

struct AllocationRequest {
  std::vector<TaskDemand> tasks;
  std::vector<NodeCapacity> nodes;
};

/// Result: for each task of the request (same order) the index of its node, or
/// kUnplaced; and the objective, the summed priority of placed tasks.
struct Allocation {
  static constexpr int kUnplaced = -1;
  std::vector<int> node_of_task;
  double objective = 0.0;

  std::size_t placed() const;
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  /// The policy's name, as the CLI spells it.
  virtual std::string name() const = 0;
  /// Places tasks on nodes without exceeding any node's capacity.
  virtual Allocation allocate(const AllocationRequest& request) const = 0;
};

/// Names accepted by make_allocator.
std::vector<std::string> allocator_names();
/// The allocator called `name`; throws std::invalid_argument listing the known names.
std::unique_ptr<Allocator> make_allocator(const std::string& name);

/// Checks that `allocation` fits `request`: one entry per task, valid node
/// indices, only available nodes, capacities respected, objective consistent.
/// Returns an empty string when it does, else the first violation.
std::string check_allocation(const AllocationRequest& request, const Allocation& allocation);

}  // namespace troupe::runtime
