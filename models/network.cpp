#include "models/network.hpp"

#include <torch/csrc/jit/python/update_graph_executor_opt.h>

#include <mutex>

#include "models/mlp_step.hpp"
#include "models/networks.hpp"
#include "models/script_module.hpp"
#include "models/torch_parameters.hpp"

namespace troupe::models {
namespace {

/// Parameters, then floating-point buffers (see Network::state).
template <class NamedParameters, class NamedBuffers, class Key, class Value>
NamedTensors collect_state(const NamedParameters& params, const NamedBuffers& buffers, Key key,
                           Value value) {
  NamedTensors out;
  for (const auto& p : params) out.emplace_back(key(p), value(p));
  for (const auto& b : buffers)
    if (value(b).is_floating_point()) out.emplace_back(key(b), value(b));
  return out;
}

/// One of troupe's built-in networks (models/networks.hpp).
class BuiltinNetwork final : public Network {
 public:
  BuiltinNetwork(ModelKind kind, const torch::Device& device) : net_(make_classifier(kind)) {
    net_->to(device);
    // Only checked bit for bit against autograd on the CPU.
    if (kind == ModelKind::mlp && device.is_cpu())
      step_ = mlp_train_step(static_cast<MlpImpl&>(*net_));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return net_->forward(x); }
  std::vector<torch::Tensor> parameters() override { return net_->parameters(); }
  NamedTensors state() override {
    auto key = [](const auto& item) { return item.key(); };
    auto value = [](const auto& item) { return item.value(); };
    return collect_state(net_->named_parameters(/*recurse=*/true),
                         net_->named_buffers(/*recurse=*/true), key, value);
  }
  void train(bool on) override { net_->train(on); }
  TrainStep* train_step() override { return step_.get(); }

 private:
  std::shared_ptr<ClassifierImpl> net_;
  std::unique_ptr<TrainStep> step_;
};

/// A TorchScript module (torch.jit.save) loaded from its bytes.
class ScriptNetwork final : public Network {
 public:
  ScriptNetwork(const std::string& bytes, const torch::Device& device)
      : module_(load_script_module(bytes)), forward_(module_.get_method("forward")) {
    // The graph executor's optimisations (profiling runs, guards, differentiable
    // graphs, fusion) cost more per step than they save on the small CPU
    // batches nodes train: run the scripted ops as they are, like eager code
    // (bench/script_throughput: ratio to the built-in MLP 0.86 -> 0.9+).
    // Process-wide; nothing else in troupe runs TorchScript.
    static std::once_flag plain_executor;
    std::call_once(plain_executor, [] { torch::jit::setGraphExecutorOptimize(false); });
    module_.to(device);
    // The optimiser and the state see the same tensors for the module's life.
    for (const auto& p : module_.parameters(/*recurse=*/true)) params_.push_back(p);
    auto key = [](const auto& item) { return item.name; };
    auto value = [](const auto& item) { return item.value; };
    state_ = collect_state(module_.named_parameters(/*recurse=*/true),
                           module_.named_buffers(/*recurse=*/true), key, value);
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    inputs_.clear();
    inputs_.emplace_back(x);
    return forward_(inputs_).toTensor();
  }
  std::vector<torch::Tensor> parameters() override { return params_; }
  NamedTensors state() override { return state_; }
  void train(bool on) override { module_.train(on); }

 private:
  torch::jit::Module module_;
  torch::jit::Method forward_;  // looked up once, not by name every step
  std::vector<torch::Tensor> params_;
  NamedTensors state_;
  std::vector<torch::jit::IValue> inputs_;  // reused: one forward's argument list
};

}  // namespace

std::unique_ptr<Network> make_network(const ModelSource& model, const torch::Device& device) {
  if (model.is_script()) return std::make_unique<ScriptNetwork>(*model.script, device);
  return std::make_unique<BuiltinNetwork>(model.kind, device);
}

void export_parameters(Network& net, Parameters& out) {
  export_state(net.state(), out);
}

void import_parameters(const Parameters& params, Network& net) {
  import_state(params, net.state());
}

}  // namespace troupe::models
