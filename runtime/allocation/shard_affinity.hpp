#pragma once
/// \file
/// Shards that stay where they were. A node process reads the rows of the
/// shards it trains (and keeps the last round's), so a shard that moves to
/// another node each round is read again there: about 1.3 ms per 1,200
/// Fashion-MNIST rows on this kind of machine, 50 of them a round at 50
/// nodes. The allocator decides how much work each node gets; which of the
/// interchangeable tasks fills a node's places is free, and this picks it.

#include <map>
#include <string>
#include <vector>

namespace troupe::runtime {

/// A training task as the allocator saw it.
struct PlacedShard {
  int shard = 0;
  double demand = 0.0;
  double priority = 0.0;
  std::string node;  ///< where the allocator placed it; empty: not placed
};

/// The shard each of `tasks` trains, after moving shards between tasks that
/// are interchangeable to the allocator (equal demand and priority, both
/// placed), so that as many shards as possible stay on `last_node` (shard ->
/// the node that trained it last). A task keeps its node: the allocation,
/// its objective and every node's load are unchanged, and so is what a
/// scheduler told about the placement. Among the rest, a shard stays with its
/// own task where it can. Unplaced tasks keep their shards. A pure function.
std::vector<int> keep_shards_in_place(const std::vector<PlacedShard>& tasks,
                                      const std::map<int, std::string>& last_node);

}  // namespace troupe::runtime
