#pragma once
/// \file
/// The allocation interface: which node runs which task. An allocator is a pure
/// function of its request: no clocks, no transport, no hidden state.
///
/// The general model is the generalized assignment problem (GAP): placing task t
/// on node n gains value(t, n) and uses demand(t, n) of the node's capacity, per
/// resource. The simple form, one priority and one demand vector per task, is the
/// special case value(t, n) = priority(t), demand(t, n) = demand(t); build it with
/// TaskDemand::simple and NodeCapacity::simple.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/allocation/resource_vector.hpp"

namespace troupe::runtime {

/// A task as an allocator sees it.
struct TaskDemand {
  std::int64_t task_id = 0;
  double priority = 0.0;           ///< value gained by placing the task (simple form)
  Resources demand{};              ///< CPU, memory, GPU memory it uses on its node (simple form)
  double work = 0.0;               ///< estimated work, in node-seconds at speed 1
  std::optional<double> deadline;  ///< latest finish time, in the caller's clock

  /// A task with one scalar demand (CPU), as the synchronous job builds them.
  static TaskDemand simple(std::int64_t id, double priority, double demand);
};

/// Whether a node takes work.
enum class NodeState : std::uint8_t { up = 0, draining = 1, down = 2 };

/// A node as an allocator sees it.
struct NodeCapacity {
  std::string id;
  Resources capacity{};  ///< capacity left for this allocation, per resource
  double speed = 1.0;    ///< relative throughput (1 = reference)
  NodeState state = NodeState::up;

  bool available() const { return state == NodeState::up; }
  /// A node with one scalar capacity (CPU).
  static NodeCapacity simple(std::string id, double capacity, bool available = true);
};

/// Must every task be placed (GAP's equality constraints) or at most once?
enum class Placement : std::uint8_t { at_most_once = 0, every_task = 1 };
/// Whether the objective is a value to maximise or a cost to minimise.
enum class Sense : std::uint8_t { maximise = 0, minimise = 1 };

struct AllocationOptions {
  Placement placement = Placement::at_most_once;
  Sense sense = Sense::maximise;
  double time_limit_s = 10.0;  ///< for allocators that search (exact)

  static AllocationOptions maximise_value() { return {}; }
  /// GAP as OR-Library states it: every task placed, `sense` as given.
  static AllocationOptions gap(Sense sense) { return {Placement::every_task, sense, 10.0}; }
};

/// Tasks, nodes and options. `pair_value` / `pair_demand`, when not empty,
/// hold value and demand per (task, node), row-major by task (t * nodes + n),
/// and override the tasks' priority and demand.
struct AllocationRequest {
  std::vector<TaskDemand> tasks;
  std::vector<NodeCapacity> nodes;
  AllocationOptions options;
  std::vector<double> pair_value;
  std::vector<Resources> pair_demand;

  double value(std::size_t t, std::size_t n) const {
    return pair_value.empty() ? tasks[t].priority : pair_value[t * nodes.size() + n];
  }
  const Resources& demand(std::size_t t, std::size_t n) const {
    return pair_demand.empty() ? tasks[t].demand : pair_demand[t * nodes.size() + n];
  }
  /// Value in the maximisation sense: value, or minus the cost when minimising.
  double desirability(std::size_t t, std::size_t n) const {
    return options.sense == Sense::maximise ? value(t, n) : -value(t, n);
  }
  /// A request is generalised when value or demand depend on the node.
  bool generalised() const { return !pair_value.empty() || !pair_demand.empty(); }
};

/// Result: for each task of the request (same order) the index of its node, or
/// kUnplaced; the objective (summed value of placed tasks); and, from allocators
/// that search, the best bound and whether optimality or infeasibility was proved.
struct Allocation {
  static constexpr int kUnplaced = -1;
  std::vector<int> node_of_task;
  double objective = 0.0;
  std::optional<double> bound;  ///< best bound on the optimum (exact allocator)
  bool proved_optimal = false;
  bool proved_infeasible = false;  ///< every_task requested but impossible
  std::string note;                ///< why a search stopped, when it did early

  std::size_t placed() const;
  bool complete() const { return placed() == node_of_task.size(); }
  /// Relative gap |objective - bound| / max(1, |objective|); 0 without a bound.
  double gap() const;
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  /// The policy's name, as the CLI spells it.
  virtual std::string name() const = 0;
  /// Places tasks on available nodes without exceeding any node's capacity.
  /// With Placement::every_task a heuristic may still leave tasks unplaced
  /// (Allocation::complete() tells); it never violates a capacity.
  virtual Allocation allocate(const AllocationRequest& request) const = 0;
};

/// Makes a new allocator; registered under a name with register_allocator.
using AllocatorFactory = std::function<std::unique_ptr<Allocator>()>;

/// Makes `name` a policy that make_allocator (and so `--policy NAME` and a job's
/// policy) accepts; plugins call it from troupe_plugin_init. Throws
/// std::invalid_argument when the name is empty, has spaces or commas, or is
/// taken (built-in names included), or the factory is empty.
void register_allocator(const std::string& name, AllocatorFactory factory);
/// Names accepted by make_allocator: the built-in policies, then registered ones.
std::vector<std::string> allocator_names();
/// The allocator called `name`; throws std::invalid_argument listing the known names.
std::unique_ptr<Allocator> make_allocator(const std::string& name);

/// Summed value of the placed tasks of `allocation` under `request`.
double objective_of(const AllocationRequest& request, const std::vector<int>& node_of_task);

/// Checks that `allocation` fits `request`: one entry per task, valid node
/// indices, only available nodes, capacities respected, objective consistent.
/// Returns an empty string when it does, else the first violation.
std::string check_allocation(const AllocationRequest& request, const Allocation& allocation);

}  // namespace troupe::runtime
