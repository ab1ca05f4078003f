#include "models/sgd_loop.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "models/torch_data.hpp"
#include "test_util.hpp"

using namespace troupe::models;

namespace {

/// A network that forwards to another and counts the steps its own train step takes.
class CountingNetwork final : public Network {
 public:
  explicit CountingNetwork(std::unique_ptr<Network> inner) : inner_(std::move(inner)) {}
  torch::Tensor forward(const torch::Tensor& x) override { return inner_->forward(x); }
  std::vector<torch::Tensor> parameters() override { return inner_->parameters(); }
  NamedTensors state() override { return inner_->state(); }
  void train(bool on) override { inner_->train(on); }
  TrainStep* train_step() override { return inner_->train_step() ? &counter_ : nullptr; }
  int own_steps() const { return counter_.calls; }

 private:
  struct Counter final : TrainStep {
    explicit Counter(CountingNetwork& net) : net(net) {}
    torch::Tensor loss_and_gradients(const torch::Tensor& x, const torch::Tensor& y) override {
      ++calls;
      return net.inner_->train_step()->loss_and_gradients(x, y);
    }
    CountingNetwork& net;
    int calls = 0;
  };
  std::unique_ptr<Network> inner_;
  Counter counter_{*this};
};

/// A built-in network of `kind` with the parameters of initial_parameters(kind, 5).
std::unique_ptr<CountingNetwork> network(ModelKind kind) {
  auto net = std::make_unique<CountingNetwork>(make_network(builtin_model(kind), torch::kCPU));
  import_parameters(initial_parameters(kind, 5), *net);
  return net;
}

std::string state_bytes(Network& net) {
  Parameters p;
  export_parameters(net, p);
  return {reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size()};
}

/// 1,000 Fashion-MNIST training images as stored (uint8) and their labels.
std::pair<torch::Tensor, torch::Tensor> examples() {
  const auto data = head(load_fashion_mnist(troupe::test::fashion_mnist_dir(), Split::train), 1000);
  return example_tensors(data, nullptr);
}

/// Cross-entropy through autograd: run_sgd then does not use a network's own step.
SgdHooks through_autograd(SgdHooks hooks = {}) {
  hooks.batch_loss = [](const torch::Tensor& outputs, const torch::Tensor& targets) {
    return torch::nn::functional::cross_entropy(outputs, targets);
  };
  return hooks;
}

struct Runs {
  std::string own, autograd;
  TrainResult own_result, autograd_result;
  int own_steps = 0, autograd_own_steps = 0;
};

/// The same schedule run with the MLP's own step and through autograd.
Runs both_ways(const SgdExamples& data, const SgdSchedule& schedule,
               const std::function<SgdHooks(Network&)>& hooks_of) {
  Runs r;
  auto own = network(ModelKind::mlp);
  r.own_result = run_sgd(*own, data, schedule, hooks_of(*own));
  r.own = state_bytes(*own);
  r.own_steps = own->own_steps();
  auto autograd = network(ModelKind::mlp);
  r.autograd_result = run_sgd(*autograd, data, schedule, through_autograd(hooks_of(*autograd)));
  r.autograd = state_bytes(*autograd);
  r.autograd_own_steps = autograd->own_steps();
  return r;
}

void expect_same(const Runs& r, std::int64_t steps) {
  EXPECT_EQ(r.own_steps, steps);  // the own step ran every step
  EXPECT_EQ(r.autograd_own_steps, 0);
  EXPECT_EQ(r.own_result.steps, steps);
  EXPECT_EQ(r.autograd_result.steps, steps);
  EXPECT_EQ(r.own_result.mean_loss, r.autograd_result.mean_loss);
  EXPECT_TRUE(r.own == r.autograd) << "the parameters differ";
}

SgdSchedule schedule(std::int64_t steps, double momentum) {
  SgdSchedule s;
  s.batch_size = 32;
  s.lr = 0.05;
  s.momentum = momentum;
  s.seed = 11;
  s.steps = steps;
  return s;
}

}  // namespace

TEST(MlpTrainStep, OnlyTheBuiltInMlpOnTheCpuHasOne) {
  EXPECT_NE(make_network(builtin_model(ModelKind::mlp), torch::kCPU)->train_step(), nullptr);
  EXPECT_EQ(make_network(builtin_model(ModelKind::cnn), torch::kCPU)->train_step(), nullptr);
}

TEST(MlpTrainStep, TrainsTheSameParametersBitForBitAsAutograd) {
  // Two passes over 1,000 examples: 32 batches a pass, the last of 8.
  auto [images, labels] = examples();
  const auto r =
      both_ways({images, labels}, schedule(64, 0.0), [](Network&) { return SgdHooks{}; });
  expect_same(r, 64);
  EXPECT_GT(r.own_result.mean_loss, 0.0);
}

TEST(MlpTrainStep, WithMomentumFloatInputsAndAGradientHookTrainsTheSameAsAutograd) {
  auto [images, labels] = examples();
  auto momentum =
      both_ways({images, labels}, schedule(40, 0.9), [](Network&) { return SgdHooks{}; });
  expect_same(momentum, 40);

  // Float features are the model's input as they are (no pixel scaling).
  const auto floats = model_input(images);
  auto float_inputs =
      both_ways({floats, labels}, schedule(40, 0.0), [](Network&) { return SgdHooks{}; });
  expect_same(float_inputs, 40);

  // A hook that edits the gradients (as FedProx's does) sees the own step's.
  auto hooked = both_ways({images, labels}, schedule(40, 0.0), [](Network& net) {
    SgdHooks h;
    h.after_backward = [&net] {
      for (auto& p : net.parameters()) p.mutable_grad().add_(p.detach(), 0.01);
    };
    return h;
  });
  expect_same(hooked, 40);
  EXPECT_NE(hooked.own, float_inputs.own);
}

TEST(RunSgd, ThroughAutogradLeavesNoGradientsBehind) {
  // A large model's gradients are a model's worth of memory: none are kept
  // between runs (LibTorch 1.13's zero_grad() kept them, zeroed).
  auto [images, labels] = examples();
  auto net = network(ModelKind::cnn);
  const auto r = run_sgd(*net, {images, labels}, schedule(3, 0.0));
  EXPECT_EQ(r.steps, 3);
  EXPECT_EQ(net->own_steps(), 0);
  for (const auto& p : net->parameters()) EXPECT_FALSE(p.grad().defined());
}

namespace {

/// A linear model whose bias only every other forward pass uses: backward
/// reaches the bias in every other step.
class HalfTheTimeBias final : public Network {
 public:
  explicit HalfTheTimeBias(const torch::Tensor& w0)
      : w_(w0.clone().requires_grad_()), bias_(torch::full({10}, 0.1F).requires_grad_()) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    auto out = x.reshape({x.size(0), 784}).matmul(w_.t());
    return calls_++ % 2 == 0 ? out + bias_ : out;
  }
  std::vector<torch::Tensor> parameters() override { return {w_, bias_}; }
  NamedTensors state() override { return {{"w", w_}, {"bias", bias_}}; }
  void train(bool) override {}

 private:
  torch::Tensor w_, bias_;
  int calls_ = 0;
};

}  // namespace

TEST(RunSgd, WithMomentumAParameterBackwardMissesMovesAsWithZeroedGradients) {
  // LibTorch 1.13's zero_grad() left a zero gradient, so with momentum a
  // parameter that missed a step still moved; dropped gradients must not change that.
  auto [images, labels] = examples();
  const auto w0 = torch::randn({10, 784}) * 0.01;
  auto s = schedule(6, 0.9);
  HalfTheTimeBias dropped(w0);
  run_sgd(dropped, {images, labels}, s);

  // The same run by hand, the way it went with zero_grad().
  HalfTheTimeBias zeroed(w0);
  torch::optim::SGD sgd(zeroed.parameters(), torch::optim::SGDOptions(s.lr).momentum(s.momentum));
  std::mt19937_64 rng(s.seed);
  const auto order = permutation(images.size(0), rng, torch::kCPU);
  const auto x = images.index_select(0, order);
  const auto y = labels.index_select(0, order);
  for (std::int64_t b = 0; b < s.steps; ++b) {
    sgd.zero_grad();
    torch::nn::functional::cross_entropy(
        zeroed.forward(model_input(x.narrow(0, b * s.batch_size, s.batch_size))),
        y.narrow(0, b * s.batch_size, s.batch_size))
        .backward();
    sgd.step();
  }
  EXPECT_TRUE(state_bytes(dropped) == state_bytes(zeroed)) << "the parameters differ";
  // The bias moved in the steps it missed too: not where one step left it.
  EXPECT_GT((zeroed.parameters()[1] - 0.1F).abs().max().item<float>(), 0.0F);
}
