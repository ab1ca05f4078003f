// Federated distillation's pieces without a cluster: the public/private split,
// soft labels averaged by a strategy, and the "distill" node behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "runtime/aggregation/soft_labels.hpp"
#include "runtime/aggregation/strategy.hpp"
#include "runtime/node/distill_node_behaviour.hpp"
#include "runtime/node/public_split.hpp"
#include "test_util.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

models::Dataset labelled(std::size_t n) {
  models::Dataset d;
  d.rows = d.cols = 1;
  d.images.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) d.labels.push_back(static_cast<std::uint8_t>(i % 10));
  return d;
}

PartitionSpec spec_of(const std::string& scheme, int parts) {
  PartitionSpec s;
  s.scheme = *parse_enum<Partition>(scheme);
  s.parts = parts;
  s.seed = 7;
  return s;
}

/// A soft-label table whose every row is `row`.
models::Parameters table(std::int64_t examples, const std::vector<float>& row) {
  auto p = empty_soft_labels(examples, static_cast<int>(row.size()));
  for (std::int64_t i = 0; i < examples; ++i)
    std::copy(row.begin(), row.end(), p.float_data() + i * static_cast<std::int64_t>(row.size()));
  return p;
}

Update update_of(models::Parameters p, std::int64_t samples, std::int64_t id) {
  Update u;
  u.task_id = id;
  u.samples = samples;
  u.params = std::move(p);
  return u;
}

}  // namespace

TEST(PublicSplit, ThePublicSetAndThePrivateShardsAreDisjointAndCoverTheTrainingSet) {
  for (const std::string scheme : {"iid", "dirichlet", "labels"}) {
    // Given 1000 examples, 100 of them public, 4 shards
    const auto data = labelled(1000);
    const auto split = split_public(data, 100, spec_of(scheme, 4));
    // Then 100 are public, 4 shards hold private ones, and no index is used twice
    EXPECT_EQ(split.public_indices.size(), 100u) << scheme;
    ASSERT_EQ(split.private_shards.size(), 4u) << scheme;
    std::set<std::size_t> seen(split.public_indices.begin(), split.public_indices.end());
    std::size_t held = split.public_indices.size();
    for (const auto& shard : split.private_shards) {
      EXPECT_FALSE(shard.empty()) << scheme;
      for (auto i : shard) {
        EXPECT_LT(i, 1000u);
        seen.insert(i);
      }
      held += shard.size();
    }
    EXPECT_EQ(seen.size(), held) << scheme << ": an example is in two places";
    if (scheme == "iid") {
      EXPECT_EQ(held, 1000u);
    }
  }
}

TEST(PublicSplit, IsTheSameForTheSameSeedAndDiffersForAnother) {
  const auto data = labelled(500);
  const auto a = split_public(data, 50, spec_of("iid", 5));
  const auto b = split_public(data, 50, spec_of("iid", 5));
  auto other = spec_of("iid", 5);
  other.seed = 8;
  const auto c = split_public(data, 50, other);
  EXPECT_EQ(a.public_indices, b.public_indices);
  EXPECT_EQ(a.private_shards, b.private_shards);
  EXPECT_NE(a.public_indices, c.public_indices);
}

TEST(PublicSplit, RejectsAPublicSetThatLeavesAShardEmpty) {
  const auto data = labelled(100);
  EXPECT_THROW(split_public(data, 0, spec_of("iid", 4)), std::invalid_argument);
  EXPECT_THROW(split_public(data, 97, spec_of("iid", 4)), std::invalid_argument);
  EXPECT_NO_THROW(split_public(data, 96, spec_of("iid", 4)));
}

TEST(SoftLabels, FedAvgOfTwoNodesPredictionsIsTheirSampleWeightedEnsemble) {
  // Given two nodes' predictions on 3 public examples, from 100 and 300 examples
  std::vector<Update> updates;
  updates.push_back(update_of(table(3, {1.0F, 0.0F, 0.0F}), 100, 1));
  updates.push_back(update_of(table(3, {0.0F, 0.5F, 0.5F}), 300, 2));
  // When the plain fedavg strategy aggregates them from the all-zero start
  auto strategy = make_strategy("fedavg");
  const auto next = strategy->aggregate(empty_soft_labels(3, 3), updates, {});
  // Then each row is 1/4 of the first plus 3/4 of the second, already a distribution
  ASSERT_TRUE(next.has_value());
  ASSERT_TRUE(is_soft_labels(*next, 3, 3));
  const auto rows = normalised_soft_labels(*next, 3, 3);
  ASSERT_EQ(rows.size(), 9u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(rows[i * 3 + 0], 0.25F, 1e-6);
    EXPECT_NEAR(rows[i * 3 + 1], 0.375F, 1e-6);
    EXPECT_NEAR(rows[i * 3 + 2], 0.375F, 1e-6);
    EXPECT_NEAR(next->float_data()[i * 3 + 1], 0.375F, 1e-6);
  }
}

TEST(SoftLabels, AnAllZeroTableMeansNoPredictionsYet) {
  EXPECT_TRUE(normalised_soft_labels(empty_soft_labels(4, 10), 4, 10).empty());
  EXPECT_EQ(empty_soft_labels(4, 10).bytes.size(), 4u * 10u * sizeof(float));
}

TEST(SoftLabels, NegativeEntriesAreCutAndRowsRescaled) {
  auto p = empty_soft_labels(2, 2);
  p.float_data()[0] = -0.5F;  // row 0: (-0.5, 1.5) -> (0, 1)
  p.float_data()[1] = 1.5F;
  // row 1: (0, 0) -> uniform
  const auto rows = normalised_soft_labels(p, 2, 2);
  EXPECT_EQ(rows, (std::vector<float>{0.0F, 1.0F, 0.5F, 0.5F}));
}

TEST(SoftLabels, AModelOfAnotherLayoutIsRefusedWithAReason) {
  const auto weights = models::initial_parameters(models::ModelKind::mlp, 1);
  EXPECT_FALSE(is_soft_labels(weights, 4, 10));
  EXPECT_FALSE(is_soft_labels(empty_soft_labels(5, 10), 4, 10));
  try {
    normalised_soft_labels(weights, 4, 10);
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("soft-label table of 4 x 10"), std::string::npos);
  }
}

TEST(InitialGlobalModel, IsTheInitialisedModelByDefaultAndSoftLabelsForDistill) {
  JobSpec job;
  job.train.model = runtime::ModelKind::mlp;
  job.seed = 3;
  EXPECT_EQ(models::fingerprint(initial_global_model(job)),
            models::fingerprint(models::initial_parameters(models::ModelKind::mlp, 3)));
  job.cluster.node_behaviour = "a-behaviour-only-the-nodes-load";
  EXPECT_EQ(models::fingerprint(initial_global_model(job)),
            models::fingerprint(models::initial_parameters(models::ModelKind::mlp, 3)));
  job.cluster.node_behaviour = "distill";
  job.distill.public_examples = 123;
  const auto soft = initial_global_model(job);
  EXPECT_TRUE(is_soft_labels(soft, 123, 10));
  EXPECT_TRUE(normalised_soft_labels(soft, 123, 10).empty());
}

TEST(DistillNodeBehaviour, SharesPredictionsOnThePublicSetAndKeepsItsLocalModel) {
  troupe::test::TempDir dir;
  troupe::test::write_fake_fashion_mnist(dir.path(), 200);
  NodeSetup s;
  s.node = "n1";
  s.job.train.model = runtime::ModelKind::mlp;
  s.job.nodes = 2;
  s.job.distill.public_examples = 40;
  s.job.cluster.node_behaviour = "distill";
  s.job.data.data_dir = dir.path().string();
  s.data = std::make_shared<DataCatalog>(s.job.data.data_dir);
  auto made = make_node_behaviour("distill");
  auto& b = dynamic_cast<DistillNodeBehaviour&>(*made);
  // Given 200 examples, 40 public, 2 private shards
  const auto data = b.setup(s);
  ASSERT_EQ(data.sizes().size(), 2u);
  EXPECT_EQ(data.sizes()[0] + data.sizes()[1], 160);
  // When shard 0 trains in round 1 from the all-zero table
  const auto global = b.initial_global(s.job);
  LocalTask task;
  task.round = 1;
  task.shard = 0;
  task.options = s.job.train.options(11);
  task.options.local_epochs = 3;
  models::Parameters update;
  const auto r1 = b.train(global, task, update);
  // Then it sends 40 x 10 probabilities (rows sum to 1), not its weights
  EXPECT_EQ(r1.samples, data.sizes()[0]);
  ASSERT_TRUE(is_soft_labels(update, 40, 10));
  EXPECT_EQ(update.bytes.size(), 40u * 10u * 4u);
  for (int row = 0; row < 40; ++row) {
    float sum = 0.0F;
    for (int c = 0; c < 10; ++c) sum += update.float_data()[row * 10 + c];
    EXPECT_NEAR(sum, 1.0F, 1e-4);
  }
  EXPECT_EQ(b.local_shards(), std::vector<int>{0});
  // And when round 2 distills from those soft labels, the local model goes on learning
  task.round = 2;
  task.options.seed = 12;
  models::Parameters update2;
  const auto r2 = b.train(update, task, update2);
  EXPECT_TRUE(is_soft_labels(update2, 40, 10));
  EXPECT_GT(r2.samples_seen, 0);
  // The fake data is a line per label: the local model and the student both beat chance
  const auto local = b.evaluate(update2);
  EXPECT_EQ(local.num_classes, 10);
  EXPECT_GT(local.accuracy, 0.5);
  s.job.distill.eval = runtime::DistillEval::student;
  b.setup(s);
  const auto student = b.evaluate(update2);
  EXPECT_GT(student.accuracy, 0.5);
  EXPECT_THROW(b.train(models::initial_parameters(models::ModelKind::mlp, 1), task, update2),
               std::invalid_argument);
}
