#include "runtime/allocation/shard_affinity.hpp"

#include <utility>

namespace troupe::runtime {

std::vector<int> keep_shards_in_place(const std::vector<PlacedShard>& tasks,
                                      const std::map<int, std::string>& last_node) {
  std::vector<int> out(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) out[i] = tasks[i].shard;
  // Interchangeable tasks: the placed ones of equal demand and priority.
  std::map<std::pair<double, double>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (!tasks[i].node.empty()) groups[{tasks[i].demand, tasks[i].priority}].push_back(i);
  for (const auto& [key, members] : groups) {
    std::map<std::string, std::vector<std::size_t>> placed;  // node -> its tasks, in order
    for (auto i : members) placed[tasks[i].node].push_back(i);
    std::map<std::string, std::size_t> left;  // node -> its tasks not yet given a shard
    for (const auto& [node, on] : placed) left[node] = on.size();
    std::map<std::string, std::vector<int>> wanted;  // node -> the shards it gets
    auto give = [&](const std::string& node, int shard) {
      --left[node];
      wanted[node].push_back(shard);
    };
    std::vector<std::size_t> unset;
    // First a shard goes back to the node that trained it last...
    for (auto i : members) {
      const auto last = last_node.find(tasks[i].shard);
      if (last != last_node.end()) {
        const auto l = left.find(last->second);
        if (l != left.end() && l->second > 0) {
          give(last->second, tasks[i].shard);
          continue;
        }
      }
      unset.push_back(i);
    }
    // ...then it stays with its own task if that node has a place left...
    std::vector<std::size_t> moved;
    for (auto i : unset) {
      if (left[tasks[i].node] > 0)
        give(tasks[i].node, tasks[i].shard);
      else
        moved.push_back(i);
    }
    // ...and the others fill the places left, in the nodes' order.
    auto l = left.begin();
    for (auto i : moved) {
      while (l->second == 0) ++l;  // as many places are left as shards
      give(l->first, tasks[i].shard);
    }
    // Each node's tasks, in order, carry the shards it gets.
    for (const auto& [node, on] : placed)
      for (std::size_t k = 0; k < on.size(); ++k) out[on[k]] = wanted[node][k];
  }
  return out;
}

}  // namespace troupe::runtime
