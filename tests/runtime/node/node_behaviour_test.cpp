#include "runtime/node/node_behaviour.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/node/libtorch_node_behaviour.hpp"
#include "test_util.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

/// A behaviour that computes nothing: for registry tests.
class Idle final : public NodeBehaviour {
 public:
  std::string name() const override { return "node-behaviour-test-idle"; }
  NodeData setup(const NodeSetup& s) override {
    return {std::vector<std::int64_t>(static_cast<std::size_t>(s.job.nodes), 1), 1};
  }
  models::TrainResult train(const models::Parameters& global, const LocalTask&,
                            models::Parameters& update) override {
    update = global;
    return {};
  }
  models::ClassificationMetrics evaluate(const models::Parameters&) override { return {}; }
};

NodeSetup fake_setup(const troupe::test::TempDir& dir, int nodes) {
  troupe::test::write_fake_fashion_mnist(dir.path(), 60);
  NodeSetup s;
  s.node = "n1";
  s.job.train.model = runtime::ModelKind::mlp;
  s.job.nodes = nodes;
  s.job.data.data_dir = dir.path().string();
  s.data = std::make_shared<DataCatalog>(s.job.data.data_dir);
  return s;
}

}  // namespace

TEST(NodeBehaviourRegistry, TheLibTorchBehaviourIsBuiltInAndTheDefault) {
  EXPECT_EQ(node_behaviour_names().front(), "libtorch");
  EXPECT_EQ(JobSpec{}.cluster.node_behaviour, "libtorch");
  EXPECT_EQ(make_node_behaviour("libtorch")->name(), "libtorch");
}

TEST(NodeBehaviourRegistry, ARegisteredBehaviourIsMadeByNameAndNamesMustBeUnique) {
  register_node_behaviour("node-behaviour-test-idle", [] { return std::make_unique<Idle>(); });
  const auto names = node_behaviour_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "node-behaviour-test-idle"), names.end());
  EXPECT_EQ(make_node_behaviour("node-behaviour-test-idle")->name(), "node-behaviour-test-idle");
  EXPECT_THROW(register_node_behaviour("libtorch", [] { return std::make_unique<Idle>(); }),
               std::invalid_argument);
}

TEST(NodeBehaviourRegistry, AnUnknownNameListsTheKnownOnes) {
  try {
    make_node_behaviour("no-such-behaviour");
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown node behaviour 'no-such-behaviour' (known: "
                                         "libtorch"),
              std::string::npos)
        << e.what();
  }
}

TEST(LibTorchNodeBehaviour, SetsUpTrainsAShardAndEvaluates) {
  troupe::test::TempDir dir;
  LibTorchNodeBehaviour b;
  // Given 60 examples split over 3 shards
  const auto data = b.setup(fake_setup(dir, 3));
  ASSERT_EQ(data.shard_sizes.size(), 3u);
  EXPECT_EQ(data.shard_sizes[0] + data.shard_sizes[1] + data.shard_sizes[2], 60);
  EXPECT_EQ(data.test_size, 60);
  // When it trains shard 1 from an initial model
  const auto global = models::initial_parameters(models::ModelKind::mlp, 1);
  models::Parameters update;
  LocalTask task;
  task.shard = 1;
  task.options.batch_size = 8;
  const auto result = b.train(global, task, update);
  // Then the update has the model's layout, differs from it, and counts the shard
  EXPECT_TRUE(update.same_layout(global));
  EXPECT_NE(models::fingerprint(update), models::fingerprint(global));
  EXPECT_EQ(result.samples, data.shard_sizes[1]);
  const auto metrics = b.evaluate(update);
  EXPECT_EQ(metrics.num_classes, 10);
}

TEST(LibTorchNodeBehaviour, ErrorsAreExceptionsNotCrashes) {
  LibTorchNodeBehaviour b;
  models::Parameters update;
  EXPECT_THROW(b.train(models::initial_parameters(models::ModelKind::mlp, 1), {}, update),
               std::logic_error);
  EXPECT_THROW(b.evaluate({}), std::logic_error);
  troupe::test::TempDir dir;
  auto setup = fake_setup(dir, 2);
  b.setup(setup);
  LocalTask task;
  task.shard = 5;  // the job has 2 shards
  EXPECT_THROW(b.train(models::initial_parameters(models::ModelKind::mlp, 1), task, update),
               std::out_of_range);
}

TEST(LibTorchNodeBehaviour, ANodeThatHoldsNothingBetweenTasksTrainsAsOneThatKeepsItsTrainer) {
  // A node that holds nothing between tasks (NodeSetup::release_between_tasks:
  // its job samples nodes) makes the trainer at each task and drops it after;
  // the updates must be the ones a node that keeps its trainer computes.
  troupe::test::TempDir dir;
  LibTorchNodeBehaviour keeps, samples;
  auto every = fake_setup(dir, 3);
  auto sampled = every;
  sampled.job.sync.clients_per_round = 1;
  sampled.release_between_tasks = true;
  EXPECT_FALSE(nodes_are_sampled(every.job));
  EXPECT_TRUE(nodes_are_sampled(sampled.job));
  keeps.setup(every);
  samples.setup(sampled);
  auto global = models::initial_parameters(models::ModelKind::mlp, 1);
  for (int round = 1; round <= 3; ++round) {
    LocalTask task;
    task.round = round;
    task.shard = round % 3;
    task.options.batch_size = 8;
    task.options.seed = static_cast<std::uint64_t>(round);
    models::Parameters a, b;
    keeps.train(global, task, a);
    samples.train(global, task, b);
    EXPECT_EQ(models::fingerprint(a), models::fingerprint(b)) << "round " << round;
    global = a;
  }
}

TEST(LibTorchNodeBehaviour, ADeviceTheNodeCannotUseFailsItsSetUpNotItsFirstTask) {
  troupe::test::TempDir dir;
  LibTorchNodeBehaviour b;
  auto setup = fake_setup(dir, 2);
  setup.device.device = "cuda:99";
  EXPECT_THROW(b.setup(setup), std::invalid_argument);
}
