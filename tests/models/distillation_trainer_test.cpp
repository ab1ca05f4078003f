// DistillationTrainer and LocalTrainer share one SGD loop: without soft labels
// they take the same steps, and the distillation term only adds to the loss.
#include "models/distillation.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "models/trainer.hpp"
#include "test_util.hpp"

using namespace troupe::models;

namespace {

Dataset real_head(std::size_t n) {
  return head(load_fashion_mnist(troupe::test::fashion_mnist_dir(), Split::train), n);
}

std::vector<std::size_t> range(std::size_t begin, std::size_t end) {
  std::vector<std::size_t> v(end - begin);
  std::iota(v.begin(), v.end(), begin);
  return v;
}

TrainOptions two_epochs() {
  TrainOptions opts;
  opts.local_epochs = 2;
  opts.seed = 11;
  return opts;
}

}  // namespace

TEST(DistillationTrainer, WithoutSoftLabelsTrainsExactlyLikeTheLocalTrainer) {
  // Given 600 private examples and 200 public ones
  const auto data = real_head(800);
  const auto init = initial_parameters(ModelKind::mlp, 5);
  LocalTrainer local(ModelKind::mlp, {"cpu", 1});
  local.set_data(data, range(0, 600), 0);
  DistillationTrainer distilling(ModelKind::mlp, {"cpu", 1}, data, range(600, 800));
  distilling.set_private(data, range(0, 600), 0);
  // When both train from the same model with the same options, no soft labels given
  Parameters by_local, by_distilling = init;
  const auto a = local.train(init, two_epochs(), by_local);
  const auto b = distilling.train(by_distilling, nullptr, two_epochs(), DistillOptions{});
  // Then they reach the same parameters bit for bit, over the same steps and loss
  EXPECT_EQ(by_local.bytes, by_distilling.bytes);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.samples_seen, b.samples_seen);
  EXPECT_EQ(a.mean_loss, b.mean_loss);
}

TEST(DistillationTrainer, TheDistillationTermAddsToTheLossOfTheSameSteps) {
  const auto data = real_head(800);
  DistillationTrainer trainer(ModelKind::mlp, {"cpu", 1}, data, range(600, 800));
  trainer.set_private(data, range(0, 600), 0);
  // Given uniform soft labels on the public set
  std::vector<float> uniform(200 * 10, 0.1F);
  const auto init = initial_parameters(ModelKind::mlp, 5);
  Parameters plain = init, distilled = init;
  // When one run ignores them and one adds the distillation term
  const auto without = trainer.train(plain, nullptr, two_epochs(), DistillOptions{});
  const auto with = trainer.train(distilled, uniform.data(), two_epochs(), DistillOptions{});
  // Then both take the same steps, but the term changes the model and raises the loss
  EXPECT_EQ(with.steps, without.steps);
  EXPECT_EQ(with.samples_seen, without.samples_seen);
  EXPECT_NE(plain.bytes, distilled.bytes);
  EXPECT_GT(with.mean_loss, without.mean_loss);
}

TEST(DistillationTrainer, AStudentTakesEpochsTimesPublicBatchesAndZeroEpochsLeaveItAsItIs) {
  const auto data = real_head(300);
  DistillationTrainer trainer(ModelKind::mlp, {"cpu", 1}, data, range(0, 100));
  std::vector<float> uniform(100 * 10, 0.1F);
  TrainOptions opts;
  opts.batch_size = 32;
  const auto init = initial_parameters(ModelKind::mlp, 2);
  Parameters student = init;
  const auto trained = trainer.distill(student, uniform.data(), opts, 2.0, /*epochs=*/3);
  EXPECT_EQ(trained.samples, 100);
  EXPECT_EQ(trained.steps, 3 * 4);  // ceil(100 / 32) batches per pass
  EXPECT_EQ(trained.samples_seen, 300);
  EXPECT_NE(student.bytes, init.bytes);

  Parameters untouched = init;
  const auto none = trainer.distill(untouched, uniform.data(), opts, 2.0, /*epochs=*/0);
  EXPECT_EQ(none.steps, 0);
  EXPECT_EQ(untouched.bytes, init.bytes);
}
