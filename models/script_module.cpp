#include "models/script_module.hpp"

#include <sstream>
#include <stdexcept>

#include "models/model_source.hpp"
#include "models/torch_parameters.hpp"

namespace troupe::models {

std::string first_line(const std::string& message) {
  const auto end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}

torch::jit::Module load_script_module(const std::string& bytes) {
  if (bytes.empty()) throw std::invalid_argument("the model file is empty");
  torch::jit::Module module;
  try {
    std::istringstream in(bytes);
    module = torch::jit::load(in);
  } catch (const std::exception& e) {
    throw std::invalid_argument(
        "not a TorchScript module (save it with torch.jit.save of torch.jit.script or "
        "torch.jit.trace; a state_dict from torch.save is not one): " +
        first_line(e.what()));
  }
  if (!module.find_method("forward"))
    throw std::invalid_argument("the module has no forward method");
  // Parameters travel and are averaged as float32 (models::Parameters' arithmetic).
  bool trainable = false;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    trainable = trainable || p.value.requires_grad();
    if (p.value.scalar_type() != torch::kFloat32)
      throw std::invalid_argument("parameter '" + p.name + "' is " +
                                  std::string(c10::toString(p.value.scalar_type())) +
                                  "; troupe trains float32 models (call model.float() before "
                                  "saving)");
  }
  if (!trainable)
    throw std::invalid_argument(
        "the module has no trainable parameters (none requires grad; save nn.Parameter weights)");
  return module;
}

void check_model_loads(const ModelSource& model) {
  if (model.is_script()) load_script_module(*model.script);
}

ModelProbe probe_model(const ModelSource& model, const std::vector<std::int64_t>& input_shape) {
  if (!model.is_script()) return ModelProbe{10, 0};
  auto module = load_script_module(*model.script);
  module.eval();
  std::vector<std::int64_t> batch_shape{1};
  batch_shape.insert(batch_shape.end(), input_shape.begin(), input_shape.end());
  std::string shape_text;
  for (std::size_t i = 0; i < input_shape.size(); ++i)
    shape_text += (i ? "," : "") + std::to_string(input_shape[i]);
  torch::jit::IValue out;
  try {
    torch::NoGradGuard no_grad;
    out = module.forward({torch::zeros(batch_shape)});
  } catch (const std::exception& e) {
    throw std::invalid_argument(
        "cannot take an input of shape " + shape_text +
        " (one example, without the batch dimension): " + first_line(e.what()));
  }
  if (!out.isTensor())
    throw std::invalid_argument("its forward returns a " + out.tagKind() +
                                ", not a tensor of class scores [batch, classes]");
  const auto t = out.toTensor();
  if (t.dim() != 2 || t.size(0) != 1) {
    std::string sizes;
    for (auto d : t.sizes()) sizes += (sizes.empty() ? "" : ",") + std::to_string(d);
    throw std::invalid_argument("its output for one example has shape [" + sizes +
                                "], not [1, classes] (class scores per example)");
  }
  ModelProbe probe;
  probe.outputs = t.size(1);
  for (const auto& p : module.parameters(/*recurse=*/true)) probe.parameters += p.numel();
  return probe;
}

}  // namespace troupe::models
