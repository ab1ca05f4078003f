// A local-data job's shards: the nodes with their own data that were set up,
// in join order, sized by the counts they registered.
#include "runtime/scheduling/local_data_plan.hpp"

#include <gtest/gtest.h>

using namespace troupe::runtime;

namespace {

DataPlacement own(std::int64_t examples, const std::string& source) {
  DataPlacement d;
  d.local_examples = examples;
  d.label_histogram = {examples};
  d.source = source;
  return d;
}

struct Nodes {
  NodeTable table{5.0};
  Nodes() {
    table.join("a", {}, own(1000, "/a.csv"), 1.0, 0.0);
    table.join("plain", {}, DataPlacement{}, 1.0, 0.0);
    table.join("b", {}, own(3000, "/b"), 1.0, 0.0);
    table.join("c", {}, own(6000, "/c"), 1.0, 0.0);
  }
};

}  // namespace

TEST(LocalDataPlan, ShardsAreTheSetUpNodesWithOwnDataInJoinOrderSizedByTheirCounts) {
  Nodes n;
  const auto plan = plan_local_data(n.table.alive(), {"a", "plain", "b", "c"});
  EXPECT_EQ(plan.nodes, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(plan.shard_sizes, (std::vector<std::int64_t>{1000, 3000, 6000}));
  EXPECT_EQ(plan.pinned_shard("b"), 1);
  EXPECT_EQ(plan.pinned_shard("plain"), kTrainsNothing);
  ASSERT_EQ(plan.records.size(), 3U);
  EXPECT_EQ(plan.records[2].node, "c");
  EXPECT_EQ(plan.records[2].shard, 2);
  EXPECT_EQ(plan.records[2].source, "/c");
}

TEST(LocalDataPlan, ANodeWhoseSetUpFailedGetsNoShardAndItsReasonIsRecorded) {
  Nodes n;
  const auto plan = plan_local_data(n.table.all(), {"a", "c"}, {{"b", "b: /b: has label 11"}});
  EXPECT_EQ(plan.nodes, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(plan.shard_sizes, (std::vector<std::int64_t>{1000, 6000}));
  ASSERT_EQ(plan.records.size(), 3U);
  EXPECT_EQ(plan.records[2].node, "b");
  EXPECT_EQ(plan.records[2].shard, -1);
  EXPECT_EQ(plan.records[2].error, "b: /b: has label 11");
}

TEST(LocalDataPlan, AJobIsALocalDataJobWhenAnyAliveNodeHoldsItsOwnData) {
  Nodes n;
  EXPECT_TRUE(any_local_data(n.table.alive()));
  NodeTable plain{5.0};
  plain.join("p", {}, DataPlacement{}, 1.0, 0.0);
  EXPECT_FALSE(any_local_data(plain.alive()));
}

TEST(LocalDataPlan, ASplitOrBackupOptionIsAConflictInALocalDataJobAndNamesTheOption) {
  JobSpec job;
  auto& data = job.data;
  EXPECT_EQ(local_data_conflict(job), "");
  data.alpha = 0.1;  // only read with --partition dirichlet, which stays iid here
  EXPECT_EQ(local_data_conflict(job), "");
  data.partition = Partition::dirichlet;
  const auto why = local_data_conflict(job);
  EXPECT_EQ(why.rfind("--partition dirichlet does not apply", 0), 0U) << why;
  EXPECT_NE(why.find("hold their own data"), std::string::npos) << why;
  data.partition = Partition::iid;
  data.examples_per_node = 32;
  EXPECT_EQ(local_data_conflict(job).rfind("--examples-per-node 32 does not apply", 0), 0U);
  data.examples_per_node = 0;
  job.sync.backup_after = 1.5;
  const auto backups = local_data_conflict(job);
  EXPECT_EQ(backups.rfind("--backup-after 1.5 does not apply", 0), 0U) << backups;
  EXPECT_NE(backups.find("no other node can train a straggler's shard"), std::string::npos);
  job.sync.backup_after = 0.0;
  job.sync.task_deadline_s = 20;
  const auto deadline = local_data_conflict(job);
  EXPECT_EQ(deadline.rfind("--task-deadline 20 does not apply", 0), 0U) << deadline;
}
