// Every registered node behaviour through the same cases: made by its name,
// set up on a small data set, one shard trained, the global evaluated, and
// misuse answered with exceptions (NodeBehaviour's contract).
#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime/node/node_behaviour.hpp"
#include "test_util.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

class NodeBehaviourContract : public ::testing::TestWithParam<std::string> {
 protected:
  /// 200 fake examples in `nodes` shards; 40 of them public where a behaviour uses a public set.
  NodeSetup small_setup(int nodes) {
    troupe::test::write_fake_fashion_mnist(dir_.path(), 200);
    NodeSetup s;
    s.node = "n1";
    s.job.train.model = runtime::ModelKind::mlp;
    s.job.nodes = nodes;
    s.job.distill.public_examples = 40;
    s.job.cluster.node_behaviour = GetParam();
    s.job.data.data_dir = dir_.path().string();
    s.data = std::make_shared<DataCatalog>(s.job.data.data_dir);
    return s;
  }

 private:
  troupe::test::TempDir dir_;
};

}  // namespace

TEST_P(NodeBehaviourContract, IsMadeByItsRegisteredName) {
  EXPECT_EQ(make_node_behaviour(GetParam())->name(), GetParam());
}

TEST_P(NodeBehaviourContract, SetsUpOneShardPerNodeTrainsAShardIntoTheGlobalsLayoutAndEvaluates) {
  auto b = make_node_behaviour(GetParam());
  // Given a job of 3 shards
  const auto setup = small_setup(3);
  const auto data = b->setup(setup);
  ASSERT_EQ(data.sizes().size(), 3u);
  EXPECT_GT(data.test_size, 0);
  // When shard 1 trains from the job's initial global
  const auto global = b->initial_global(setup.job);
  LocalTask task;
  task.round = 1;
  task.shard = 1;
  task.options = setup.job.train.options(5);
  models::Parameters update;
  const auto result = b->train(global, task, update);
  // Then the update has the global's layout and counts the shard's examples
  EXPECT_TRUE(update.same_layout(global));
  EXPECT_EQ(result.samples, data.sizes()[1]);
  EXPECT_GT(result.steps, 0);
  // And evaluating the update scores the test set's classes
  EXPECT_EQ(b->evaluate(update).num_classes, 10);
}

TEST_P(NodeBehaviourContract, TrainingOrEvaluatingBeforeSetUpIsAnExceptionNotACrash) {
  auto b = make_node_behaviour(GetParam());
  JobSpec job;
  job.distill.public_examples = 40;
  const auto global = b->initial_global(job);
  models::Parameters update;
  EXPECT_THROW(b->train(global, {}, update), std::exception);
  EXPECT_THROW(b->evaluate(global), std::exception);
}

INSTANTIATE_TEST_SUITE_P(AllNodeBehaviours, NodeBehaviourContract,
                         ::testing::ValuesIn(node_behaviour_names()), troupe::test::ParamName{});
