#include "models/trainer.hpp"
#include "models/trainer_pool.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numeric>

#include "test_util.hpp"

using namespace troupe::models;

namespace {

Dataset real_head(Split split, std::size_t n) {
  return head(load_fashion_mnist(troupe::test::fashion_mnist_dir(), split), n);
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

}  // namespace

TEST(InitialParameters, AreDeterministicInTheSeedAndListTheModelsTensors) {
  const auto a = initial_parameters(ModelKind::mlp, 1);
  const auto b = initial_parameters(ModelKind::mlp, 1);
  const auto c = initial_parameters(ModelKind::mlp, 2);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_NE(a.bytes, c.bytes);
  ASSERT_EQ(a.tensors.size(), 4u);
  EXPECT_EQ(a.tensors[0].name, "fc1.weight");
  EXPECT_EQ(a.tensors[0].shape, (std::vector<std::int64_t>{128, 784}));
  EXPECT_EQ(a.numel(), 784 * 128 + 128 + 128 * 10 + 10);
  EXPECT_TRUE(a.validate().empty());
}

TEST(LocalTrainer, TrainingLowersTheLossAndIsDeterministic) {
  const auto data = real_head(Split::train, 2000);
  const auto init = initial_parameters(ModelKind::mlp, 3);
  TrainOptions opts;
  opts.local_epochs = 2;
  opts.seed = 9;
  Parameters u1, u2;
  LocalTrainer t1(ModelKind::mlp, {"cpu", 1});
  t1.set_data(data, iota(data.size()), 0);
  const auto r1 = t1.train(init, opts, u1);
  LocalTrainer t2(ModelKind::mlp, {"cpu", 1});
  t2.set_data(data, iota(data.size()), 0);
  t2.train(init, opts, u2);
  EXPECT_EQ(u1.bytes, u2.bytes);
  EXPECT_EQ(r1.samples, 2000);
  EXPECT_EQ(r1.samples_seen, 4000);
  EXPECT_EQ(r1.steps, 2 * ((2000 + 31) / 32));
  EXPECT_TRUE(std::isfinite(r1.mean_loss));

  Evaluator eval(ModelKind::mlp, {"cpu", 1}, real_head(Split::test, 1000));
  EXPECT_LT(eval.evaluate(u1).loss, eval.evaluate(init).loss);
  EXPECT_GT(eval.evaluate(u1).accuracy, 0.6);
}

TEST(LocalTrainer, ASharedSetTakenWholeIsReadWhereItLiesAndTrainsTheSameModel) {
  // A lean node's shard is a set of its own, taken whole and in order: the
  // trainer reads it where it lies (no copy per task) and keeps it alive.
  auto shared = std::make_shared<const Dataset>(real_head(Split::train, 500));
  const Dataset copy = *shared;
  const auto init = initial_parameters(ModelKind::mlp, 3);
  TrainOptions opts;
  opts.local_steps = 20;
  opts.seed = 4;
  Parameters by_copy, in_place, subset;
  LocalTrainer a(ModelKind::mlp, {"cpu", 1});
  a.set_data(copy, iota(copy.size()), 0);
  a.train(init, opts, by_copy);
  LocalTrainer b(ModelKind::mlp, {"cpu", 1});
  b.set_data(shared, iota(shared->size()), 0);
  std::weak_ptr<const Dataset> alive = shared;
  shared.reset();
  EXPECT_FALSE(alive.expired());  // the trainer holds it
  b.train(init, opts, in_place);
  EXPECT_EQ(in_place.bytes, by_copy.bytes);
  // Another selection lets it go.
  b.set_data(copy, iota(10), 1);
  EXPECT_TRUE(alive.expired());
  // Not the whole set, or not in order: copied, and trained the same as a copy.
  auto again = std::make_shared<const Dataset>(copy);
  auto order = iota(copy.size());
  std::swap(order[0], order[1]);
  LocalTrainer c(ModelKind::mlp, {"cpu", 1});
  c.set_data(again, order, 2);
  std::weak_ptr<const Dataset> held = again;
  again.reset();
  EXPECT_TRUE(held.expired());
  c.train(init, opts, subset);
  LocalTrainer d(ModelKind::mlp, {"cpu", 1});
  d.set_data(copy, order, 2);
  d.train(init, opts, by_copy);
  EXPECT_EQ(subset.bytes, by_copy.bytes);
}

TEST(LocalTrainer, LocalStepsBoundTheWork) {
  const auto data = real_head(Split::train, 500);
  LocalTrainer t(ModelKind::cnn, {"cpu", 1});
  t.set_data(data, iota(data.size()), 0);
  TrainOptions opts;
  opts.local_steps = 3;
  opts.batch_size = 16;
  Parameters out;
  const auto r = t.train(initial_parameters(ModelKind::cnn, 1), opts, out);
  EXPECT_EQ(r.steps, 3);
  EXPECT_EQ(r.samples_seen, 48);
}

TEST(LocalTrainer, AnInterruptStopsTheRunAndTheSameTaskAgainGivesTheUninterruptedUpdate) {
  const auto data = real_head(Split::train, 600);
  const auto init = initial_parameters(ModelKind::mlp, 5);
  LocalTrainer t(ModelKind::mlp, {"cpu", 1});
  t.set_data(data, iota(data.size()), 0);
  TrainOptions opts;
  opts.seed = 4;
  Parameters whole;
  const auto r = t.train(init, opts, whole);

  // Asked before every batch: the fourth ask stops it after three batches.
  int asked = 0;
  opts.interrupt = [&asked] { return ++asked == 4; };
  Parameters update = init;
  try {
    t.train(init, opts, update);
    FAIL() << "the run was not interrupted";
  } catch (const TrainingInterrupted& e) {
    EXPECT_EQ(e.steps(), 3);
  }
  EXPECT_EQ(asked, 4);
  EXPECT_EQ(update.bytes, init.bytes);  // left as it was

  // Run again from its start (the hook now says no): the same update.
  const auto again = t.train(init, opts, update);
  EXPECT_EQ(update.bytes, whole.bytes);
  EXPECT_EQ(again.steps, r.steps);
  EXPECT_EQ(asked, 4 + r.steps);
}

TEST(LocalTrainer, RejectsParametersOfAnotherModel) {
  const auto data = real_head(Split::train, 100);
  LocalTrainer t(ModelKind::mlp, {"cpu", 1});
  t.set_data(data, iota(data.size()), 0);
  Parameters out;
  EXPECT_THROW(t.train(initial_parameters(ModelKind::cnn, 1), TrainOptions{}, out),
               std::invalid_argument);
}

TEST(Device, UnknownOrUnavailableDevicesAreExplained) {
  EXPECT_TRUE(check_device("cpu").empty());
  EXPECT_NE(check_device("tpu").find("invalid device"), std::string::npos);
  EXPECT_NE(check_device("cuda:x").find("invalid device"), std::string::npos);
  if (cuda_device_count() == 0) {
    EXPECT_NE(check_device("cuda").find("no CUDA"), std::string::npos);
  }
}

namespace {
double squared_distance(const Parameters& a, const Parameters& b) {
  const auto* x = reinterpret_cast<const float*>(a.bytes.data());
  const auto* y = reinterpret_cast<const float*>(b.bytes.data());
  double sum = 0.0;
  for (std::size_t i = 0; i < a.bytes.size() / sizeof(float); ++i) {
    const double d = static_cast<double>(x[i]) - y[i];
    sum += d * d;
  }
  return sum;
}
}  // namespace

TEST(LocalTrainer, AProximalTermKeepsTheUpdateCloserToTheGlobalModel) {
  // Given the same data, start and seed
  const auto data = real_head(Split::train, 600);
  const auto init = initial_parameters(ModelKind::mlp, 5);
  TrainOptions opts;
  opts.local_epochs = 2;
  opts.seed = 4;
  LocalTrainer t(ModelKind::mlp, {"cpu", 1});
  t.set_data(data, iota(data.size()), 0);
  // When trained without and with FedProx's proximal term
  Parameters plain, prox, plain_again;
  t.train(init, opts, plain);
  opts.prox_mu = 1.0;
  const auto r = t.train(init, opts, prox);
  opts.prox_mu = 0.0;
  t.train(init, opts, plain_again);
  // Then the proximal update moved less, still trained, and mu = 0 is plain SGD
  EXPECT_LT(squared_distance(prox, init), 0.9 * squared_distance(plain, init));
  EXPECT_GT(squared_distance(prox, init), 0.0);
  EXPECT_TRUE(std::isfinite(r.mean_loss));
  EXPECT_EQ(plain.bytes, plain_again.bytes);
}

TEST(LocalTrainer, RejectsANegativeOrNonFiniteProximalWeight) {
  const auto data = real_head(Split::train, 50);
  LocalTrainer t(ModelKind::mlp, {"cpu", 1});
  t.set_data(data, iota(data.size()), 0);
  TrainOptions opts;
  opts.prox_mu = -0.1;
  Parameters out;
  EXPECT_THROW(t.train(initial_parameters(ModelKind::mlp, 1), opts, out), std::invalid_argument);
  opts.prox_mu = std::nan("");
  EXPECT_THROW(t.train(initial_parameters(ModelKind::mlp, 1), opts, out), std::invalid_argument);
}

TEST(TrainerPool, ABorrowedTrainerTrainsExactlyWhatAFreshOneDoes) {
  const auto data = real_head(Split::train, 600);
  std::vector<std::size_t> first(300), second(300);
  std::iota(first.begin(), first.end(), std::size_t{0});
  std::iota(second.begin(), second.end(), std::size_t{300});
  TrainOptions opts;
  opts.local_epochs = 1;
  opts.seed = 7;
  for (auto kind : {ModelKind::mlp, ModelKind::cnn}) {
    const auto global = initial_parameters(kind, 3);
    // A fresh trainer on the second selection.
    LocalTrainer fresh(kind, {});
    fresh.set_data(data, second, 1);
    Parameters expected;
    fresh.train(global, opts, expected);

    TrainerPool pool;
    auto make = [kind] { return LocalTrainer(kind, {}); };
    {
      // Another node's task first: its examples, other weights, other seed.
      auto trainer = pool.borrow(42, make);
      trainer->set_data(data, first, -1);
      TrainOptions other = opts;
      other.seed = 99;
      Parameters ignored;
      trainer->train(initial_parameters(kind, 5), other, ignored);
    }
    EXPECT_EQ(pool.free_trainers(), 1u);
    auto trainer = pool.borrow(42, make);
    EXPECT_EQ(pool.made(), 1u) << "the free trainer is lent again";
    trainer->set_data(data, second, -1);
    Parameters got;
    trainer->train(global, opts, got);
    EXPECT_EQ(got.bytes, expected.bytes) << to_string(kind);
  }
}

TEST(TrainerPool, LendsAsManyAsAreBorrowedAtOnceAndDropsAnotherKeysTrainers) {
  TrainerPool pool;
  int makes = 0;
  auto make = [&makes] {
    ++makes;
    return LocalTrainer(ModelKind::mlp, {});
  };
  {
    auto a = pool.borrow(1, make);
    auto b = pool.borrow(1, make);  // both lent: a second one is made
    EXPECT_EQ(makes, 2);
    EXPECT_EQ(pool.free_trainers(), 0u);
  }
  EXPECT_EQ(pool.free_trainers(), 2u);
  {
    auto a = pool.borrow(1, make);
    EXPECT_EQ(makes, 2);
    auto c = pool.borrow(2, make);  // another job: the free trainer of key 1 is dropped
    EXPECT_EQ(makes, 3);
    EXPECT_EQ(pool.free_trainers(), 0u);
  }
  // The trainer of key 1 that was still lent is dropped on its return.
  EXPECT_EQ(pool.free_trainers(), 1u);
  EXPECT_EQ(pool.made(), 3u);
}

TEST(Evaluator, OnATrainersNetworkGivesItsOwnResultsAndLeavesTheTrainerAsItWas) {
  const auto data = real_head(Split::train, 600);
  const auto test = real_head(Split::test, 300);
  const auto init = initial_parameters(ModelKind::cnn, 3);
  TrainOptions opts;
  opts.local_steps = 4;
  opts.seed = 2;
  LocalTrainer trainer(ModelKind::cnn, {"cpu", 1});
  trainer.set_data(data, iota(data.size()), 0);
  Parameters first, again;
  trainer.train(init, opts, first);

  Evaluator own(ModelKind::cnn, {"cpu", 1}, test);
  Evaluator borrowing(ModelKind::cnn, {"cpu", 1}, test);
  const auto a = own.evaluate(first);
  const auto b = borrowing.evaluate(first, trainer);
  EXPECT_EQ(a.accuracy, b.accuracy);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.f1, b.f1);
  EXPECT_NE(borrowing.evaluate(init, trainer).loss, b.loss);  // it evaluated what it was given

  // The borrowed network trains the same task to the same update afterwards.
  trainer.train(init, opts, again);
  EXPECT_EQ(first.bytes, again.bytes);

  LocalTrainer mlp(ModelKind::mlp, {"cpu", 1});
  EXPECT_THROW(borrowing.evaluate(first, mlp), std::logic_error);
}
