#include "models/script_module.hpp"

#include <caffe2/serialize/read_adapter_interface.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "models/model_source.hpp"
#include "models/torch_parameters.hpp"

namespace troupe::models {

std::string first_line(const std::string& message) {
  const auto end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}

namespace {

/// The module's bytes read where they lie. An std::istringstream copied them
/// whole first: one more copy of the model in every process that loads it
/// (a 1.1 GB model's submitter peaked at 5.5 GB). LibTorch's own
/// MemoryReadAdapter does not check a read against the size, and the bytes
/// are a submitter's input: this one reads only what is there.
class BytesReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BytesReader(const std::string& bytes) : bytes_(bytes) {}
  std::size_t size() const override { return bytes_.size(); }
  std::size_t read(std::uint64_t pos, void* buf, std::size_t n,
                   const char* /*what*/ = "") const override {
    if (pos >= bytes_.size()) return 0;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, bytes_.size() - pos));
    std::memcpy(buf, bytes_.data() + pos, n);
    return n;
  }

 private:
  const std::string& bytes_;  ///< outlives the load
};

}  // namespace

torch::jit::Module load_script_module(const std::string& bytes) {
  if (bytes.empty()) throw std::invalid_argument("the model file is empty");
  torch::jit::Module module;
  try {
    module = torch::jit::load(std::make_shared<BytesReader>(bytes));
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
