#include "models/torch_parameters.hpp"

#include <cstring>
#include <stdexcept>
#include <utility>

namespace troupe::models {
namespace {

/// Each DType and the LibTorch scalar type it stands for: one table read both ways.
constexpr std::pair<DType, torch::ScalarType> kDTypes[] = {
    {DType::float32, torch::kFloat32}, {DType::float64, torch::kFloat64},
    {DType::int64, torch::kInt64},     {DType::int32, torch::kInt32},
    {DType::uint8, torch::kUInt8},
};

torch::ScalarType scalar_type_of(DType d) {
  for (const auto& [dtype, scalar] : kDTypes)
    if (dtype == d) return scalar;
  throw std::invalid_argument("unknown dtype");
}

}  // namespace

DType dtype_of(const torch::Tensor& t) {
  for (const auto& [dtype, scalar] : kDTypes)
    if (scalar == t.scalar_type()) return dtype;
  throw std::invalid_argument("unsupported tensor dtype in model");
}

void export_state(const std::vector<std::pair<std::string, torch::Tensor>>& state,
                  Parameters& out) {
  bool layout_ok = out.tensors.size() == state.size();
  for (std::size_t i = 0; layout_ok && i < state.size(); ++i) {
    const auto& info = out.tensors[i];
    layout_ok = info.name == state[i].first && info.dtype == dtype_of(state[i].second) &&
                info.shape == state[i].second.sizes().vec();
  }
  if (!layout_ok) {
    out = Parameters{};
    // One allocation: grown tensor by tensor, the buffer was copied on every doubling.
    std::size_t total = 0;
    for (const auto& entry : state) total += entry.second.nbytes();
    out.bytes.reserve(total);
    out.tensors.reserve(state.size());
    for (const auto& [name, t] : state) out.add(name, dtype_of(t), t.sizes().vec());
  }
  for (std::size_t i = 0; i < state.size(); ++i) {
    const auto host = state[i].second.detach().to(torch::kCPU).contiguous();
    std::memcpy(out.bytes.data() + out.tensors[i].offset, host.data_ptr(), out.tensors[i].nbytes);
  }
}

void import_state(const Parameters& params,
                  const std::vector<std::pair<std::string, torch::Tensor>>& state) {
  if (params.tensors.size() != state.size())
    throw std::invalid_argument("parameters hold " + std::to_string(params.tensors.size()) +
                                " tensors but the model has " + std::to_string(state.size()));
  if (auto why = params.validate(); !why.empty()) throw std::invalid_argument("parameters: " + why);
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < state.size(); ++i) {
    const auto& info = params.tensors[i];
    auto target = state[i].second;
    if (info.name != state[i].first || info.dtype != dtype_of(target) ||
        info.shape != target.sizes().vec())
      throw std::invalid_argument("parameter '" + info.name + "' does not match model tensor '" +
                                  state[i].first + "' (name, dtype or shape)");
    auto src =
        torch::from_blob(const_cast<unsigned char*>(params.bytes.data() + info.offset), info.shape,
                         torch::TensorOptions().dtype(scalar_type_of(info.dtype)));
    target.copy_(src);
  }
}

}  // namespace troupe::models
