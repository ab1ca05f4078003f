// Shards that stay where they were (keep_shards_in_place): a node process
// reads the rows of the shards it trains. The sync job that uses it is tested
// in runtime/scheduling/scheduling_test.cpp.

#include "runtime/allocation/shard_affinity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

using namespace troupe::runtime;

namespace {

/// node -> shards, from tasks and the shards they were given.
std::map<std::string, std::multiset<int>> by_node(const std::vector<PlacedShard>& tasks,
                                                  const std::vector<int>& shards) {
  std::map<std::string, std::multiset<int>> out;
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (!tasks[i].node.empty()) out[tasks[i].node].insert(shards[i]);
  return out;
}

}  // namespace

TEST(ShardAffinity, AShardGoesBackToItsLastNodeWhereThatNodeHasAPlace) {
  // The allocator put two tasks on a, one on b, one on c; last round shard 0
  // was on c, shard 3 on a, shard 1 on a node that left.
  const std::vector<PlacedShard> tasks{
      {0, 32, 1, "a"}, {1, 32, 1, "a"}, {2, 32, 1, "b"}, {3, 32, 1, "c"}};
  const auto shards = keep_shards_in_place(tasks, {{0, "c"}, {3, "a"}, {1, "gone"}});
  // Every task keeps its node; a holds shard 3 again, c shard 0.
  const auto placed = by_node(tasks, shards);
  EXPECT_EQ(placed.at("a").count(3), 1u);
  EXPECT_EQ(placed.at("c"), (std::multiset<int>{0}));
  EXPECT_EQ(placed.at("b"), (std::multiset<int>{2}));  // it kept its own
  // Each shard exactly once.
  auto sorted = shards;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3}));
}

TEST(ShardAffinity, OnlyInterchangeableTasksSwapAndUnplacedOnesKeepTheirShard) {
  // Shard 1 was on b, but b's task has another demand: swapping would change
  // the load, so it stays. Shard 4 is unplaced and keeps its shard.
  const std::vector<PlacedShard> tasks{
      {0, 32, 1, "a"}, {1, 32, 1, "a"}, {2, 64, 1, "b"}, {3, 32, 2, "c"}, {4, 32, 1, ""}};
  const auto shards = keep_shards_in_place(tasks, {{1, "b"}, {0, "c"}, {4, "a"}});
  EXPECT_EQ(shards, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(ShardAffinity, WithNoHistoryNothingMoves) {
  const std::vector<PlacedShard> tasks{{5, 1, 1, "x"}, {2, 1, 1, "y"}, {7, 1, 1, "x"}};
  EXPECT_EQ(keep_shards_in_place(tasks, {}), (std::vector<int>{5, 2, 7}));
}
