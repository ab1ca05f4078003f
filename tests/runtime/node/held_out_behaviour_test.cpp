// The built-in behaviour's evaluation data: the held-out part of each shard
// (federated evaluation) and the job's shipped test set (--test-data).

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "models/dataset_pack.hpp"
#include "runtime/core/federated_metrics.hpp"
#include "runtime/node/example_selection.hpp"
#include "runtime/node/libtorch_node_behaviour.hpp"
#include "test_util.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

NodeSetup setup_of(const test::TempDir& dir, EvalMode mode) {
  test::write_fake_fashion_mnist(dir.path(), 60);
  NodeSetup s;
  s.node = "n1";
  s.job.train.model = ModelKind::mlp;
  s.job.nodes = 3;
  s.job.data.data_dir = dir.path().string();
  s.job.eval.mode = mode;
  s.job.eval.local_test_fraction = 0.25;
  s.data = std::make_shared<DataCatalog>(s.job.data.data_dir);
  return s;
}

models::Dataset labelled(std::size_t n, int classes) {
  models::Dataset d;
  d.shape = {4};
  d.num_classes = classes;
  for (std::size_t i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<std::uint8_t>(i % static_cast<std::size_t>(classes)));
    for (int f = 0; f < 4; ++f) d.images.push_back(static_cast<std::uint8_t>(i));
  }
  return d;
}

std::vector<std::size_t> range(std::size_t from, std::size_t to) {
  std::vector<std::size_t> out;
  for (auto i = from; i < to; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST(ExampleSelection, HoldsOutAStratifiedFractionDisjointFromTrainingAndReproducibly) {
  const auto data = labelled(100, 4);
  const auto indices = range(10, 90);
  const auto a = select_examples(data, indices, 0.25, 7);
  EXPECT_EQ(a.held_out.size(), 20U);
  EXPECT_EQ(a.train.size(), 60U);
  std::set<std::size_t> all(a.train.begin(), a.train.end());
  all.insert(a.held_out.begin(), a.held_out.end());
  EXPECT_EQ(all, std::set<std::size_t>(indices.begin(), indices.end()));  // disjoint, complete
  std::vector<int> per_label(4, 0);
  for (auto i : a.held_out) ++per_label[data.labels[i]];
  EXPECT_EQ(per_label, (std::vector<int>{5, 5, 5, 5}));
  EXPECT_EQ(select_examples(data, indices, 0.25, 7).held_out, a.held_out);
  EXPECT_NE(select_examples(data, indices, 0.25, held_out_seed(7, 1)).held_out, a.held_out);
}

TEST(ExampleSelection, WithoutAFractionEveryExampleTrains) {
  const auto data = labelled(10, 2);
  const auto s = select_examples(data, range(0, 10), 0.0, 1);
  EXPECT_EQ(s.train, range(0, 10));
  EXPECT_TRUE(s.held_out.empty());
}

TEST(HeldOutBehaviour, ShardSizesAtSetUpAreTrainingCountsWithoutTheHeldOutExamples) {
  test::TempDir dir;
  LibTorchNodeBehaviour central, federated;
  const auto all = central.setup(setup_of(dir, EvalMode::central));
  const auto trained = federated.setup(setup_of(dir, EvalMode::both));
  ASSERT_EQ(trained.sizes().size(), 3U);
  std::int64_t held_out = 0;
  for (std::size_t s = 0; s < 3; ++s) {
    EXPECT_LT(trained.sizes()[s], all.sizes()[s]);
    held_out += all.sizes()[s] - trained.sizes()[s];
  }
  // About a quarter of 60, rounded per label and shard (two examples of each)
  EXPECT_GE(held_out, 10);
  EXPECT_LE(held_out, 20);
}

TEST(HeldOutBehaviour, EvaluatesTheGlobalModelOnTheHeldOutPartOfTheShardItTrained) {
  test::TempDir dir;
  LibTorchNodeBehaviour central, b;
  const auto all = central.setup(setup_of(dir, EvalMode::central));
  const auto data = b.setup(setup_of(dir, EvalMode::federated));
  const auto global = models::initial_parameters(models::ModelKind::mlp, 1);
  EXPECT_THROW(b.evaluate_held_out(global), std::logic_error);  // nothing trained yet
  models::Parameters update;
  LocalTask task;
  task.round = 1;
  task.shard = 1;
  task.options.batch_size = 8;
  const auto r = b.train(global, task, update);
  EXPECT_EQ(r.samples, data.sizes()[1]);
  const auto m = b.evaluate_held_out(update);
  EXPECT_EQ(examples_of(m), all.sizes()[1] - data.sizes()[1]);
  EXPECT_EQ(m.num_classes, 10);
}

TEST(HeldOutBehaviour, ACentralOnlyJobHoldsNothingOut) {
  test::TempDir dir;
  LibTorchNodeBehaviour b;
  b.setup(setup_of(dir, EvalMode::central));
  EXPECT_THROW(b.evaluate_held_out(models::initial_parameters(models::ModelKind::mlp, 1)),
               std::logic_error);
}

TEST(ShippedTestSet, CentralEvaluationUsesTheJobsTestSetAndReportsItsSize) {
  test::TempDir dir;
  auto s = setup_of(dir, EvalMode::central);
  models::Dataset test;
  test.rows = 28;
  test.cols = 28;
  for (int i = 0; i < 7; ++i) {
    test.labels.push_back(static_cast<std::uint8_t>(i));
    test.images.insert(test.images.end(), 784, static_cast<std::uint8_t>(i * 30));
  }
  test.num_classes = 7;
  s.job.data.test_set = models::pack_dataset(test);
  s.job.data.test_data = "/owner/test-images-idx3-ubyte.gz";
  LibTorchNodeBehaviour b;
  const auto data = b.setup(s);
  EXPECT_EQ(data.test_size, 7);  // not the data directory's 60
  const auto m = b.evaluate(models::initial_parameters(models::ModelKind::mlp, 1));
  EXPECT_EQ(examples_of(m), 7);
  EXPECT_EQ(m.num_classes, 10);  // the model's classes, though the set has 7
}

TEST(ShippedTestSet, ASetThatDoesNotFitTheModelFailsSetUpNamingTheFile) {
  test::TempDir dir;
  auto s = setup_of(dir, EvalMode::central);
  s.job.data.test_set = models::pack_dataset(labelled(5, 3));  // 4 features, the MLP takes 784
  s.job.data.test_data = "/owner/digits.csv";
  LibTorchNodeBehaviour b;
  try {
    b.setup(s);
    FAIL() << "expected set-up to fail";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--test-data /owner/digits.csv"), std::string::npos) << what;
    EXPECT_NE(what.find("has 4 features per example"), std::string::npos) << what;
  }
}

TEST(ShippedTestSet, ACorruptPackingFailsSetUpNamingTheFile) {
  test::TempDir dir;
  auto s = setup_of(dir, EvalMode::central);
  s.job.data.test_set = models::pack_dataset(labelled(5, 3)).substr(0, 30);
  s.job.data.test_data = "/owner/digits.csv";
  LibTorchNodeBehaviour b;
  try {
    b.setup(s);
    FAIL() << "expected set-up to fail";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/owner/digits.csv"), std::string::npos) << e.what();
  }
}
