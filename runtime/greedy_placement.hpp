#pragma once
/// \file
/// The engine shared by the one-pass greedy allocators: take tasks in a given
/// order and put each on the feasible node that a node score likes best.

#include <functional>
#include <vector>

#include "runtime/allocator.hpp"

namespace troupe::runtime {

/// Scores placing a task on a node: `free_after` is the node's capacity left
/// once the task is placed, `capacity` the node's capacity in the request.
/// Higher is better.
using NodeScore = std::function<double(const Resources& free_after, const Resources& capacity)>;

/// Task indices by decreasing best desirability (see AllocationRequest), then
/// decreasing summed demand, then request order.
std::vector<std::size_t> tasks_by_desirability(const AllocationRequest& request);

/// Places tasks in `order`, each on the available node where it fits with the
/// highest desirability and, among equals, the highest `score` (lowest index
/// among equals). A task that fits nowhere, or whose desirability is negative
/// when placement is optional, stays unplaced. O(tasks x nodes).
Allocation place_greedily(const AllocationRequest& request, const std::vector<std::size_t>& order,
                          const NodeScore& score);

}  // namespace troupe::runtime
