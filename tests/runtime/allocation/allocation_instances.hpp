#pragma once
// Random allocation requests and a brute-force optimum, shared by the allocator tests.

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>

#include "runtime/allocation/allocator.hpp"

namespace troupe::test {

using runtime::AllocationRequest;
using runtime::NodeCapacity;
using runtime::TaskDemand;

/// Simple form, up to three resources, some nodes down.
inline AllocationRequest random_request(std::mt19937_64& rng, int tasks, int nodes) {
  std::uniform_real_distribution<double> prio(0.0, 10.0), demand(0.5, 5.0), cap(0.0, 12.0);
  std::bernoulli_distribution down(0.15), multi(0.5);
  AllocationRequest r;
  const bool three = multi(rng);
  for (int t = 0; t < tasks; ++t) {
    auto task = TaskDemand::simple(t, prio(rng), demand(rng));
    if (three) task.demand = {demand(rng), demand(rng), demand(rng) * 0.5};
    r.tasks.push_back(task);
  }
  for (int n = 0; n < nodes; ++n) {
    auto node = NodeCapacity::simple("n" + std::to_string(n), cap(rng), !down(rng));
    if (three) node.capacity = {cap(rng), cap(rng), cap(rng)};
    r.nodes.push_back(node);
  }
  return r;
}

/// GAP form: integer value and demand per (task, node), one resource.
inline AllocationRequest random_gap(std::mt19937_64& rng, int tasks, int nodes,
                                    runtime::AllocationOptions options) {
  std::uniform_int_distribution<int> value(1, 20), demand(1, 10), cap(5, 20);
  AllocationRequest r;
  r.options = options;
  for (int t = 0; t < tasks; ++t) r.tasks.push_back(TaskDemand::simple(t, 0.0, 0.0));
  for (int n = 0; n < nodes; ++n)
    r.nodes.push_back(NodeCapacity::simple("n" + std::to_string(n), cap(rng)));
  for (int i = 0; i < tasks * nodes; ++i) {
    r.pair_value.push_back(value(rng));
    r.pair_demand.push_back({static_cast<double>(demand(rng)), 0.0, 0.0});
  }
  return r;
}

/// The optimum by enumeration of every assignment ((nodes + 1)^tasks); nullopt
/// when no assignment satisfies the placement rule.
inline std::optional<double> brute_force_optimum(const AllocationRequest& r) {
  const std::size_t tasks = r.tasks.size(), nodes = r.nodes.size();
  const bool every = r.options.placement == runtime::Placement::every_task;
  const bool max = r.options.sense == runtime::Sense::maximise;
  std::optional<double> best;
  std::vector<int> choice(tasks, -1);
  while (true) {
    runtime::Allocation a;
    a.node_of_task = choice;
    a.objective = runtime::objective_of(r, choice);
    const bool complete = a.complete();
    if ((!every || complete) && runtime::check_allocation(r, a).empty())
      if (!best || (max ? a.objective > *best : a.objective < *best)) best = a.objective;
    std::size_t i = 0;
    while (i < tasks && ++choice[i] == static_cast<int>(nodes)) choice[i++] = -1;
    if (i == tasks) break;
  }
  return best;
}

}  // namespace troupe::test
