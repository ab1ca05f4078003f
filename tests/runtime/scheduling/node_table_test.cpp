#include "runtime/scheduling/node_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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

TEST(NodeTable, ANodeIsPlannedWithItsMeasuredThroughputRelativeToTheMeasuredMean) {
  NodeTable table(5.0);
  table.join("fast", {}, {}, 0.0, 0.0);  // no --speed: measured
  table.join("slow", {}, {}, 0.0, 0.0);
  table.join("new", {}, {}, 0.0, 0.0);
  EXPECT_FALSE(table.find("fast")->speed_given);
  // Before any task every node plans as 1.
  EXPECT_DOUBLE_EQ(table.planning_speed("fast", "builtin:mlp"), 1.0);
  table.join("near", {}, {}, 0.0, 0.0);
  table.record_throughput("fast", "builtin:mlp", 6000, 1.0);
  table.record_throughput("slow", "builtin:mlp", 1000, 1.0);
  table.record_throughput("near", "builtin:mlp", 2000, 1.0);
  // Mean 3000 examples/s: 2 and 1/3; 2/3 lies within the timing-noise band
  // and plans as 1, as does the unmeasured node.
  EXPECT_DOUBLE_EQ(table.planning_speed("fast", "builtin:mlp"), 2.0);
  EXPECT_DOUBLE_EQ(table.planning_speed("slow", "builtin:mlp"), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(table.planning_speed("near", "builtin:mlp"), 1.0);
  EXPECT_DOUBLE_EQ(table.planning_speed("new", "builtin:mlp"), 1.0);
  // Per model: nothing is known of the CNN yet.
  EXPECT_DOUBLE_EQ(table.planning_speed("slow", "builtin:cnn"), 1.0);
  EXPECT_EQ(table.find("slow")->throughput.at("builtin:mlp").tasks, 1);
}

TEST(NodeTable, ANodeKeepsItsPlannedSpeedUntilTheMeasuredOneMovesBeyondTheReplanFactor) {
  NodeTable table(5.0);
  for (const char* id : {"a", "b", "c"}) table.join(id, {}, {}, 0.0, 0.0);
  // The speed a fresh table would plan node `id` with now.
  auto measured = [&](const std::string& id) {
    const double s = table.find(id)->throughput.at("m").examples_per_s / table.mean_throughput("m");
    return s > 1.0 / kSpeedNoiseBand && s < kSpeedNoiseBand ? 1.0 : std::clamp(s, 0.05, 20.0);
  };
  table.record_throughput("a", "m", 8000, 1.0);
  table.record_throughput("b", "m", 1000, 1.0);
  table.record_throughput("c", "m", 1000, 1.0);
  const double first = table.planning_speed("a", "m");
  EXPECT_DOUBLE_EQ(first, measured("a"));
  EXPECT_NEAR(first, 2.4, 1e-9);
  EXPECT_NEAR(table.planning_speed("b", "m"), 0.3, 1e-9);
  // A faster task moves the measurement a little: the plan stays, however often asked.
  table.record_throughput("a", "m", 12000, 1.0);
  EXPECT_NE(measured("a"), first);
  EXPECT_GT(measured("a"), first);
  EXPECT_EQ(table.planning_speed("a", "m"), first);
  EXPECT_EQ(table.planning_speed("a", "m"), first);
  // A slower one too, while within kSpeedReplanFactor of it.
  table.record_throughput("b", "m", 3000, 1.0);
  table.record_throughput("c", "m", 3000, 1.0);
  ASSERT_GT(measured("a"), first / kSpeedReplanFactor);
  EXPECT_LT(measured("a"), first);
  EXPECT_EQ(table.planning_speed("a", "m"), first);
  // Once the others catch up, `a` plans with the measured speed again (1 in the band).
  for (int i = 0; i < 5; ++i) {
    table.record_throughput("b", "m", 9000, 1.0);
    table.record_throughput("c", "m", 9000, 1.0);
  }
  ASSERT_LT(measured("a"), first / kSpeedReplanFactor);
  EXPECT_DOUBLE_EQ(table.planning_speed("a", "m"), measured("a"));
  EXPECT_DOUBLE_EQ(table.planning_speed("a", "m"), 1.0);
  // `b` was planned once at 0.3 and is asked again only now: its new measurement counts.
  EXPECT_DOUBLE_EQ(table.planning_speed("b", "m"), measured("b"));
}

TEST(NodeTable, TheNoiseBandsEdgesDoNotFlipPlansAndARejoinPlansAfresh) {
  NodeTable table(5.0);
  for (const char* id : {"x", "y", "z"}) table.join(id, {}, {}, 0.0, 0.0);
  table.record_throughput("x", "m", 35, 1.0);
  table.record_throughput("y", "m", 10, 1.0);
  table.record_throughput("z", "m", 10, 1.0);
  // 105 / 55 = 1.91 of the mean: within the band, planned as 1.
  EXPECT_DOUBLE_EQ(table.planning_speed("x", "m"), 1.0);
  // Now 2.04 of the mean, just over the band: still within a factor 2 of
  // 1.91, so still 1 (a plan flipping between 1 and 2 moved shards each time).
  table.record_throughput("x", "m", 60, 1.0);
  const double ratio =
      table.find("x")->throughput.at("m").examples_per_s / table.mean_throughput("m");
  ASSERT_GT(ratio, kSpeedNoiseBand);
  EXPECT_DOUBLE_EQ(table.planning_speed("x", "m"), 1.0);
  // A rejoin keeps the measurements but plans afresh.
  ASSERT_TRUE(table.lose("x", "restarted"));
  table.join("x", {}, {}, 0.0, 1.0);
  EXPECT_DOUBLE_EQ(table.planning_speed("x", "m"), ratio);
  // Planned within the band, a node measured far below it is planned slow at once.
  table.record_throughput("z", "m", 10, 1.0);
  table.join("w", {}, {}, 0.0, 0.0);
  table.record_throughput("w", "m", 10, 1.0);  // 0.55 of the mean: planned as 1
  EXPECT_DOUBLE_EQ(table.planning_speed("w", "m"), 1.0);
  table.record_throughput("w", "m", 2, 1.0);
  table.record_throughput("w", "m", 2, 1.0);
  const double slow =
      table.find("w")->throughput.at("m").examples_per_s / table.mean_throughput("m");
  // 0.35: within a factor 2 of 0.55, but below the band widened by its margin.
  ASSERT_GT(slow, 0.55 / kSpeedReplanFactor);
  ASSERT_LT(slow, 1.0 / (kSpeedNoiseBand * kSpeedBandMargin));
  EXPECT_DOUBLE_EQ(table.planning_speed("w", "m"), slow);
}

TEST(NodeTable, ThroughputIsAMovingAverageThatIgnoresEmptyTasksAndKeepsAcrossARejoin) {
  NodeTable table(5.0);
  table.join("a", {}, {}, 0.0, 0.0);
  table.record_throughput("a", "m", 1000, 1.0);
  table.record_throughput("a", "m", 2000, 1.0);
  // The newest task weighs kThroughputSmoothing.
  EXPECT_DOUBLE_EQ(table.find("a")->throughput.at("m").examples_per_s,
                   kThroughputSmoothing * 2000 + (1 - kThroughputSmoothing) * 1000);
  table.record_throughput("a", "m", 0, 1.0);        // dropped out: nothing trained
  table.record_throughput("a", "m", 100, 0.0);      // no time measured
  table.record_throughput("a", "m", 100, -1.0);     // not measured
  table.record_throughput("ghost", "m", 100, 1.0);  // unknown node
  EXPECT_EQ(table.find("a")->throughput.at("m").tasks, 2);
  EXPECT_EQ(table.find("ghost"), nullptr);
  ASSERT_TRUE(table.lose("a", "restarted"));
  table.join("a", {}, {}, 0.0, 10.0);
  EXPECT_EQ(table.find("a")->throughput.at("m").tasks, 2);
}

TEST(NodeTable, AGivenSpeedOverridesTheMeasurementAndExtremesAreBounded) {
  NodeTable table(5.0);
  table.join("pinned", {}, {}, 3.0, 0.0);
  table.join("crawl", {}, {}, 0.0, 0.0);
  table.join("b", {}, {}, 0.0, 0.0);
  EXPECT_TRUE(table.find("pinned")->speed_given);
  table.record_throughput("pinned", "m", 10, 1.0);
  EXPECT_DOUBLE_EQ(table.planning_speed("pinned", "m"), 3.0);
  table.record_throughput("crawl", "m", 1, 100.0);
  table.record_throughput("b", "m", 100000, 1.0);
  EXPECT_DOUBLE_EQ(table.planning_speed("crawl", "m"), 1.0 / 20.0);
}

TEST(NodeTable, TheModelKeyIsTheBuiltInModelOrTheScriptsDigest) {
  JobSpec job;
  job.train.model = troupe::models::ModelKind::mlp;
  EXPECT_EQ(model_key(job), "builtin:mlp");
  job.train.model_sha256 = "ab12";
  EXPECT_EQ(model_key(job), "script:ab12");
}
