// TorchScript models (ModelSource scripts): loading, probing, training and
// evaluating them, and examples of any shape and feature type. The modules are
// built here with LibTorch's C++ API, so the tests need no Python.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>

#include "models/trainer.hpp"
#include "test_util.hpp"

using namespace troupe::models;

namespace {

/// The bytes torch.jit.save would write for a module with `params` and `forward`.
std::string save_module(const std::vector<std::pair<std::string, torch::Tensor>>& params,
                        const std::string& forward,
                        const std::vector<std::pair<std::string, torch::Tensor>>& buffers = {}) {
  torch::jit::Module m("M");
  // Trainable, as nn.Parameter saves them.
  for (const auto& [name, t] : params)
    m.register_parameter(name, t.detach().requires_grad_(), /*is_buffer=*/false);
  for (const auto& [name, t] : buffers) m.register_buffer(name, t);
  m.define(forward);
  std::ostringstream out;
  m.save(out);
  return out.str();
}

/// A 784-128-10 MLP script with the built-in MLP's tensor names and these weights.
std::string mlp_script(const Parameters& weights) {
  auto tensor = [&](std::size_t i) {
    const auto& info = weights.tensors[i];
    return torch::from_blob(const_cast<unsigned char*>(weights.bytes.data() + info.offset),
                            info.shape, torch::kFloat32)
        .clone()
        .requires_grad_();
  };
  torch::jit::Module fc1("Fc1"), fc2("Fc2");
  fc1.register_parameter("weight", tensor(0), false);
  fc1.register_parameter("bias", tensor(1), false);
  fc2.register_parameter("weight", tensor(2), false);
  fc2.register_parameter("bias", tensor(3), false);
  torch::jit::Module m("Mlp");
  m.register_module("fc1", fc1);
  m.register_module("fc2", fc2);
  m.define(R"(
def forward(self, x):
    x = x.reshape([x.size(0), 784])
    x = torch.relu(torch.linear(x, self.fc1.weight, self.fc1.bias))
    return torch.linear(x, self.fc2.weight, self.fc2.bias)
)");
  std::ostringstream out;
  m.save(out);
  return out.str();
}

/// A linear classifier of 64 features into `classes` classes.
std::string linear64(int classes) {
  torch::manual_seed(5);
  return save_module({{"w", torch::randn({classes, 64}) * 0.01}, {"b", torch::zeros({classes})}},
                     "def forward(self, x):\n    return x.matmul(self.w.t()) + self.b\n");
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

/// `n` examples of 64 float32 features in two well separated classes: class c
/// has feature c set to 3 plus noise everywhere.
Dataset two_blobs_f32(std::size_t n) {
  Dataset d;
  d.feature_type = FeatureType::f32;
  d.shape = {64};
  d.num_classes = 2;
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0F, 0.5F);
  std::vector<float> features(n * 64);
  for (std::size_t i = 0; i < n; ++i) {
    const auto label = static_cast<std::uint8_t>(i % 2);
    d.labels.push_back(label);
    for (std::size_t k = 0; k < 64; ++k) features[i * 64 + k] = noise(rng);
    features[i * 64 + label] += 3.0F;
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(features.data());
  d.images.assign(bytes, bytes + features.size() * sizeof(float));
  return d;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ScriptModel, StartsFromTheModulesOwnSavedWeights) {
  const auto weights = initial_parameters(ModelKind::mlp, 11);
  const auto got = initial_parameters(script_model(mlp_script(weights)), /*seed=*/99);
  EXPECT_TRUE(got.same_layout(weights));
  EXPECT_EQ(got.bytes, weights.bytes);
}

TEST(ScriptModel, TrainsToTheSameUpdateAsTheBuiltInNetworkWithTheSameWeights) {
  const auto data = head(load_fashion_mnist(troupe::test::fashion_mnist_dir(), Split::train), 640);
  const auto init = initial_parameters(ModelKind::mlp, 4);
  TrainOptions opts;
  opts.seed = 7;
  opts.momentum = 0.5;
  Parameters builtin_update, script_update;
  LocalTrainer builtin(ModelKind::mlp, {"cpu", 1});
  builtin.set_data(data, iota(data.size()), 0);
  const auto a = builtin.train(init, opts, builtin_update);
  LocalTrainer script(script_model(mlp_script(init)), {"cpu", 1});
  script.set_data(data, iota(data.size()), 0);
  const auto b = script.train(init, opts, script_update);
  ASSERT_TRUE(script_update.same_layout(builtin_update));
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_NEAR(a.mean_loss, b.mean_loss, 1e-5);
  double max_diff = 0.0;
  for (std::int64_t i = 0; i < builtin_update.numel(); ++i)
    max_diff = std::max(max_diff, std::abs(static_cast<double>(builtin_update.float_data()[i] -
                                                               script_update.float_data()[i])));
  EXPECT_LT(max_diff, 1e-5);
  Evaluator eval(script_model(mlp_script(init)), {"cpu", 1},
                 head(load_fashion_mnist(troupe::test::fashion_mnist_dir(), Split::test), 500));
  EXPECT_LT(eval.evaluate(script_update).loss, eval.evaluate(init).loss);
}

TEST(ScriptModel, LearnsFloat32FeaturesOfAnyShape) {
  const auto data = two_blobs_f32(400);
  const auto model = script_model(linear64(2));
  const auto init = initial_parameters(model, 0);
  LocalTrainer trainer(model, {"cpu", 1});
  trainer.set_data(data, iota(data.size()), 0);
  TrainOptions opts;
  opts.local_epochs = 3;
  Parameters update;
  trainer.train(init, opts, update);
  Evaluator eval(model, {"cpu", 1}, data);
  EXPECT_LT(eval.evaluate(init).accuracy, 0.8);
  EXPECT_GT(eval.evaluate(update).accuracy, 0.95);
}

TEST(ScriptModel, ShipsFloatBuffersWithTheParametersAndKeepsCountersLocal) {
  const auto bytes = save_module(
      {{"w", torch::ones({3, 4})}},
      "def forward(self, x):\n    return (x - self.running_mean).matmul(self.w.t())\n",
      {{"running_mean", torch::full({4}, 0.5)}, {"steps", torch::zeros({}, torch::kInt64)}});
  const auto p = initial_parameters(script_model(bytes), 0);
  ASSERT_EQ(p.tensors.size(), 2u);
  EXPECT_EQ(p.tensors[0].name, "w");
  EXPECT_EQ(p.tensors[1].name, "running_mean");
  EXPECT_EQ(p.float_data()[12], 0.5F);
  EXPECT_EQ(probe_model(script_model(bytes), {4}).outputs, 3);
}

TEST(ScriptModel, ProbingReportsTheOutputSizeAndTheTrainableScalars) {
  const auto probe = probe_model(script_model(linear64(7)), {64});
  EXPECT_EQ(probe.outputs, 7);
  EXPECT_EQ(probe.parameters, 7 * 64 + 7);
}

TEST(ScriptModel, BytesThatAreNotTorchScriptAreRefusedWithAClearMessage) {
  const auto text = error_of([] { probe_model(script_model("hello, I am a text file\n"), {64}); });
  EXPECT_NE(text.find("not a TorchScript module"), std::string::npos) << text;
  auto truncated = linear64(3);
  truncated.resize(truncated.size() / 2);
  const auto cut = error_of([&] { LocalTrainer(script_model(truncated), {"cpu", 1}); });
  EXPECT_NE(cut.find("not a TorchScript module"), std::string::npos) << cut;
  const auto init = error_of([&] { initial_parameters(script_model(truncated), 0); });
  EXPECT_NE(init.find("not a TorchScript module"), std::string::npos) << init;
}

TEST(ScriptModel, AnInputShapeTheModuleCannotTakeIsNamed) {
  const auto why = error_of([] { probe_model(script_model(linear64(3)), {1, 28, 28}); });
  EXPECT_NE(why.find("cannot take an input of shape 1,28,28"), std::string::npos) << why;
}

TEST(ScriptModel, AnOutputThatIsNotOneRowOfScoresPerExampleIsRefused) {
  const auto flat = save_module({{"w", torch::ones({64})}},
                                "def forward(self, x):\n    return x.matmul(self.w)\n");
  const auto why = error_of([&] { probe_model(script_model(flat), {64}); });
  EXPECT_NE(why.find("has shape [1], not [1, classes]"), std::string::npos) << why;
}

TEST(ScriptModel, Float64ParametersAreRefusedBecauseTheyAreAveragedAsFloat32) {
  const auto f64 = save_module({{"w", torch::ones({3, 64}, torch::kFloat64)}},
                               "def forward(self, x):\n    return x.double().matmul(self.w.t())\n");
  const auto why = error_of([&] { check_model_loads(script_model(f64)); });
  EXPECT_NE(why.find("parameter 'w' is Double"), std::string::npos) << why;
}

TEST(Examples, Uint8FeaturesTrainLikeTheirStandardisedFloat32Pixels) {
  // Given Fashion-MNIST pixels as uint8 features of shape {784}, and the same
  // examples as float32 features already scaled and standardised
  auto bytes = head(load_fashion_mnist(troupe::test::fashion_mnist_dir(), Split::train), 300);
  bytes.shape = {784};
  Dataset floats = bytes;
  floats.feature_type = FeatureType::f32;
  floats.images.resize(bytes.images.size() * 4);
  const float scale = 1.0F / (255.0F * 0.3530F), shift = 0.2860F / 0.3530F;
  for (std::size_t i = 0; i < bytes.images.size(); ++i) {
    const float v = static_cast<float>(bytes.images[i]) * scale - shift;
    std::memcpy(floats.images.data() + 4 * i, &v, 4);
  }
  torch::manual_seed(1);
  const auto model =
      script_model(save_module({{"w", torch::randn({10, 784}) * 0.01}},
                               "def forward(self, x):\n    return x.matmul(self.w.t())\n"));
  // When a script trains on each
  Parameters from_bytes, from_floats;
  for (auto* run : {&from_bytes, &from_floats}) {
    LocalTrainer trainer(model, {"cpu", 1});
    trainer.set_data(run == &from_bytes ? bytes : floats, iota(300), 0);
    const auto r = trainer.train(initial_parameters(model, 0), TrainOptions{}, *run);
    EXPECT_EQ(r.samples, 300);
  }
  // Then the bytes were converted per batch exactly as the pixels they are
  EXPECT_EQ(from_bytes.bytes, from_floats.bytes);
  EXPECT_NE(from_bytes.bytes, initial_parameters(model, 0).bytes);
}

TEST(ScriptModel, AModuleWithoutTrainableParametersIsRefused) {
  torch::jit::Module m("Frozen");
  m.register_parameter("w", torch::ones({3, 64}), /*is_buffer=*/false);  // requires_grad false
  m.define("def forward(self, x):\n    return x.matmul(self.w.t())\n");
  std::ostringstream out;
  m.save(out);
  const auto why = error_of([&] { check_model_loads(script_model(out.str())); });
  EXPECT_NE(why.find("no trainable parameters"), std::string::npos) << why;
}
