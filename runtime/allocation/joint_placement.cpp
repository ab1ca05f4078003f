#include "runtime/allocation/joint_placement.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace troupe::runtime {

JointStep place_jointly(const std::vector<JointTask>& tasks, const std::vector<JointNode>& nodes,
                        const Allocator& policy) {
  const std::size_t n_nodes = nodes.size();
  for (const auto& t : tasks)
    if (t.speed.size() != n_nodes)
      throw std::invalid_argument("place_jointly: task " + std::to_string(t.id) + " has " +
                                  std::to_string(t.speed.size()) + " speeds for " +
                                  std::to_string(n_nodes) + " nodes");
  JointStep out;
  out.node_of.assign(tasks.size(), -1);
  out.room_s.assign(n_nodes, 0.0);
  if (tasks.empty() || n_nodes == 0) return out;

  // A node's speed for the step: the mean over the tasks that may run there.
  std::vector<double> speed(n_nodes, 0.0);
  std::vector<int> takers(n_nodes, 0);
  double examples = 0.0;
  for (const auto& t : tasks) {
    examples += t.examples;
    for (std::size_t k = 0; k < n_nodes; ++k)
      if (t.speed[k] > 0.0) {
        speed[k] += t.speed[k];
        ++takers[k];
      }
  }
  double held_examples = 0.0;
  double speed_sum = 0.0;
  for (std::size_t k = 0; k < n_nodes; ++k) {
    if (takers[k] == 0) continue;
    speed[k] /= takers[k];
    held_examples += nodes[k].held_s * speed[k];
    speed_sum += speed[k];
  }
  if (speed_sum <= 0.0) return out;  // no task may run on any node
  // All the work, held and new, spread by speed, ends after `even` seconds.
  const double even = (held_examples + examples) / speed_sum;

  // The smallest task each node may take: a node below the even end has room
  // for at least that one (with fewer tasks than nodes, each would else find
  // no room).
  std::vector<double> smallest(n_nodes, std::numeric_limits<double>::infinity());
  for (const auto& t : tasks)
    for (std::size_t k = 0; k < n_nodes; ++k)
      if (t.speed[k] > 0.0) smallest[k] = std::min(smallest[k], t.examples / t.speed[k]);

  AllocationRequest request;
  request.options.time_limit_s = kJointTimeLimitS;
  constexpr double kNever = 1e300;  // finite: no policy's arithmetic overflows
  for (std::size_t k = 0; k < n_nodes; ++k) {
    if (takers[k] > 0 && nodes[k].held_s < even)
      out.room_s[k] = std::max(kJointHeadroom * even - nodes[k].held_s, smallest[k]);
    request.nodes.push_back(NodeCapacity::simple(nodes[k].id, out.room_s[k], takers[k] > 0));
  }
  request.pair_demand.resize(tasks.size() * n_nodes);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    request.tasks.push_back(TaskDemand::simple(tasks[i].id, tasks[i].weight, tasks[i].examples));
    for (std::size_t k = 0; k < n_nodes; ++k) {
      const double s = tasks[i].speed[k];
      request.pair_demand[i * n_nodes + k] =
          Resources{s > 0.0 ? tasks[i].examples / s : kNever, 0.0, 0.0};
    }
  }
  const auto allocation = policy.allocate(request);
  std::vector<double> finish(n_nodes);
  for (std::size_t k = 0; k < n_nodes; ++k) finish[k] = nodes[k].held_s;
  if (check_allocation(request, allocation).empty()) {  // a broken policy places nothing
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const int k = allocation.node_of_task[i];
      if (k < 0) continue;
      out.node_of[i] = k;
      finish[static_cast<std::size_t>(k)] += tasks[i].examples / tasks[i].speed[k];
      out.objective += tasks[i].weight;
      ++out.by_policy;
    }
  }
  // The rest, highest weight and largest first: where each finishes first.
  std::vector<std::size_t> rest;
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (out.node_of[i] < 0) rest.push_back(i);
  std::stable_sort(rest.begin(), rest.end(), [&](std::size_t a, std::size_t b) {
    if (tasks[a].weight != tasks[b].weight) return tasks[a].weight > tasks[b].weight;
    return tasks[a].examples > tasks[b].examples;
  });
  for (auto i : rest) {
    int best = -1;
    double best_end = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < n_nodes; ++k) {
      if (tasks[i].speed[k] <= 0.0) continue;
      const double end = finish[k] + tasks[i].examples / tasks[i].speed[k];
      if (end < best_end) {
        best_end = end;
        best = static_cast<int>(k);
      }
    }
    if (best < 0) continue;
    out.node_of[i] = best;
    finish[static_cast<std::size_t>(best)] = best_end;
  }
  return out;
}

}  // namespace troupe::runtime
