#include "runtime/scheduling/node_table.hpp"

#include <gtest/gtest.h>

using namespace troupe::runtime;

TEST(NodeTable, ANodeThatStopsHeartbeatingIsDeclaredLostAfterTheTimeout) {
  NodeTable table(5.0);
  table.join("a", {}, {}, 1.0, 0.0);
  table.join("b", {}, {}, 1.0, 0.0);
  EXPECT_TRUE(table.heartbeat("a", {}, 4.0));
  EXPECT_TRUE(table.expire(5.0).empty());
  // b was last heard from at 0, a at 4
  EXPECT_EQ(table.expire(5.5), (std::vector<std::string>{"b"}));
  EXPECT_EQ(table.find("b")->state, Liveness::lost);
  EXPECT_NE(table.find("b")->lost_reason.find("no heartbeat"), std::string::npos);
  EXPECT_EQ(table.alive_count(), 1u);
}

TEST(NodeTable, ALostNodeMustReRegisterAndThenCountsAsAliveAgain) {
  NodeTable table(5.0);
  table.join("a", {}, {}, 1.0, 0.0);
  EXPECT_TRUE(table.lose("a", "connection lost"));
  EXPECT_FALSE(table.lose("a", "again"));
  EXPECT_FALSE(table.heartbeat("a", {}, 1.0));  // tells the node to register again
  table.join("a", {}, {}, 2.0, 2.0);
  EXPECT_EQ(table.find("a")->state, Liveness::alive);
  EXPECT_EQ(table.find("a")->incarnation, 2);
  EXPECT_DOUBLE_EQ(table.find("a")->speed, 2.0);
}

TEST(NodeTable, KeepsJoinOrderAndUnknownNodesAreNotHeartbeating) {
  NodeTable table(1.0);
  table.join("z", {}, {}, 1.0, 0.0);
  table.join("a", {}, {}, 1.0, 0.0);
  ASSERT_EQ(table.alive().size(), 2u);
  EXPECT_EQ(table.alive()[0]->id, "z");
  EXPECT_FALSE(table.heartbeat("ghost", {}, 0.5));
  EXPECT_EQ(table.find("ghost"), nullptr);
}
