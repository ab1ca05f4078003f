#include "runtime/node/node_behaviour.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

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
  ASSERT_EQ(data.sizes().size(), 3u);
  EXPECT_EQ(data.sizes()[0] + data.sizes()[1] + data.sizes()[2], 60);
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
  EXPECT_EQ(result.samples, data.sizes()[1]);
  const auto metrics = b.evaluate(update);
  EXPECT_EQ(metrics.num_classes, 10);
}

TEST(LibTorchNodeBehaviour, NodesOfOneCatalogShareOneListOfShardSizes) {
  troupe::test::TempDir dir;
  const auto setup = fake_setup(dir, 3);
  LibTorchNodeBehaviour a, b;
  const auto da = a.setup(setup);
  auto other = setup;
  other.node = "n2";
  const auto db = b.setup(other);
  ASSERT_TRUE(da.shared_shard_sizes);
  EXPECT_EQ(da.shared_shard_sizes, db.shared_shard_sizes);  // counted once, not per node
  EXPECT_EQ(da.sizes().size(), 3u);
  // Another split is counted on its own.
  auto five = setup;
  five.job.nodes = 5;
  LibTorchNodeBehaviour c;
  const auto dc = c.setup(five);
  EXPECT_NE(dc.shared_shard_sizes, da.shared_shard_sizes);
  EXPECT_EQ(dc.sizes().size(), 5u);
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

namespace {

/// A Fashion-MNIST-shaped set whose every example differs (pixel values from
/// its index), so that a row read from the wrong place changes the model.
void write_distinct_fashion_mnist(const std::filesystem::path& dir, std::uint32_t n) {
  std::vector<std::uint8_t> images(static_cast<std::size_t>(n) * 784);
  std::vector<std::uint8_t> labels(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    labels[i] = static_cast<std::uint8_t>((i * 7) % 10);
    for (std::uint32_t p = 0; p < 784; ++p)
      images[i * 784 + p] = static_cast<std::uint8_t>((i * 31 + p * 17) % 256);
  }
  for (const char* split : {"train", "t10k"}) {
    troupe::test::write_gz((dir / (std::string(split) + "-images-idx3-ubyte.gz")).string(),
                           troupe::test::idx_bytes({n, 28, 28}, images));
    troupe::test::write_gz((dir / (std::string(split) + "-labels-idx1-ubyte.gz")).string(),
                           troupe::test::idx_bytes({n}, labels));
  }
}

}  // namespace

TEST(LibTorchNodeBehaviour, ANodeThatReadsOnlyItsShardsTrainsAndEvaluatesAsOneHoldingTheWholeSet) {
  // A node process's catalog holds shards (Holding::shards): it reads a
  // shard's rows when it trains it, keeps the last round's, and reads the test
  // set at its first evaluation. Shards move and come back; every update and
  // metric must equal those of a node that holds the whole set.
  for (const auto mode : {EvalMode::central, EvalMode::federated}) {
    troupe::test::TempDir dir;
    write_distinct_fashion_mnist(dir.path(), 90);
    NodeSetup s;
    s.node = "n1";
    s.job.train.model = runtime::ModelKind::mlp;
    s.job.nodes = 3;
    s.job.data.data_dir = dir.path().string();
    s.job.data.train_limit = 80;  // the catalog's limits hold as well
    s.job.eval.mode = mode;
    s.job.eval.local_test_fraction = 0.25;
    auto lean_setup = s;
    s.data = std::make_shared<DataCatalog>(s.job.data.data_dir, 80, 0);
    lean_setup.data = std::make_shared<DataCatalog>(s.job.data.data_dir, 80, 0, Holding::shards);
    LibTorchNodeBehaviour whole, lean;
    const auto a = whole.setup(s);
    const auto b = lean.setup(lean_setup);
    EXPECT_EQ(a.sizes(), b.sizes());
    EXPECT_EQ(a.test_size, b.test_size);
    EXPECT_EQ(b.test_size, 90);
    auto global = models::initial_parameters(models::ModelKind::mlp, 1);
    const std::vector<std::vector<int>> shards_by_round{{0, 2}, {1}, {2, 0}, {0}, {1, 2}};
    for (std::size_t r = 0; r < shards_by_round.size(); ++r) {
      models::Parameters next;
      for (int shard : shards_by_round[r]) {
        LocalTask task;
        task.round = static_cast<int>(r) + 1;
        task.shard = shard;
        task.options.batch_size = 8;
        task.options.seed = r * 10 + static_cast<std::uint64_t>(shard);
        models::Parameters ua, ub;
        const auto ra = whole.train(global, task, ua);
        const auto rb = lean.train(global, task, ub);
        EXPECT_EQ(models::fingerprint(ua), models::fingerprint(ub))
            << "round " << task.round << " shard " << shard;
        EXPECT_EQ(ra.samples, rb.samples);
        next = ua;
      }
      global = next;
      if (mode == EvalMode::central) {
        const auto ma = whole.evaluate(global);
        const auto mb = lean.evaluate(global);
        EXPECT_EQ(ma.accuracy, mb.accuracy);
        EXPECT_EQ(ma.loss, mb.loss);
      } else {
        const auto ma = whole.evaluate_held_out(global);
        const auto mb = lean.evaluate_held_out(global);
        EXPECT_EQ(ma.accuracy, mb.accuracy);
        EXPECT_EQ(ma.loss, mb.loss);
      }
    }
  }
}

TEST(DataCatalog, AShardHoldingCatalogReadsRowsAsTheWholeSetHasThem) {
  troupe::test::TempDir dir;
  write_distinct_fashion_mnist(dir.path(), 30);
  DataCatalog whole(dir.path().string(), 25, 12);
  DataCatalog shards(dir.path().string(), 25, 12, Holding::shards);
  EXPECT_EQ(shards.train_labels()->labels, whole.train()->labels);
  EXPECT_EQ(shards.train_labels()->size(), 25u);
  EXPECT_EQ(shards.test_size(), 12);
  EXPECT_EQ(shards.test()->size(), 12u);
  EXPECT_EQ(shards.train_example_shape(), whole.train()->example_shape());
  const auto rows = shards.train_rows({24, 3});
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->labels[0], whole.train()->labels[24]);
  EXPECT_TRUE(std::equal(rows->images.begin(), rows->images.begin() + 784,
                         whole.train()->images.begin() + 24 * 784));
  // Beyond the limit is beyond the set, though the file holds it.
  EXPECT_THROW(shards.train_rows({25}), std::out_of_range);
}

TEST(DataCatalog, MoreNodesThanExamplesIsAnErrorThatNamesExamplesPerNode) {
  const std::vector<std::uint8_t> labels{0, 1, 2, 3, 4};
  PartitionSpec spec;
  spec.parts = 6;
  try {
    make_partition(labels, 10, spec);
    FAIL() << "six IID shards of five examples would leave one empty";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("6 nodes but 5 training examples"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("--examples-per-node"), std::string::npos) << e.what();
  }
  spec.per_part = 2;  // every node its own sample: overlapping, none empty
  const auto parts = make_partition(labels, 10, spec);
  ASSERT_EQ(parts.size(), 6u);
  for (const auto& p : parts) EXPECT_EQ(p.size(), 2u);
  spec.per_part = 0;
  spec.parts = 5;
  EXPECT_EQ(make_partition(labels, 10, spec).size(), 5u);
}
