#include <cstring>
#include <stdexcept>

#include "models/torch_data.hpp"

namespace troupe::models {
namespace {

/// Fashion-MNIST pixel mean and standard deviation (after scaling to [0, 1]).
constexpr float kPixelMean = 0.2860F;
constexpr float kPixelStd = 0.3530F;

}  // namespace

std::pair<torch::Tensor, torch::Tensor> example_tensors(const Dataset& data,
                                                        const std::vector<std::size_t>* indices) {
  const auto n = static_cast<std::int64_t>(indices ? indices->size() : data.size());
  const auto bytes = static_cast<std::size_t>(data.example_bytes());
  if (data.images.size() != data.size() * bytes)
    throw std::invalid_argument("data set holds " + std::to_string(data.images.size()) +
                                " feature bytes, not " + std::to_string(data.size()) + " x " +
                                std::to_string(bytes));
  std::vector<std::int64_t> shape{n};
  const auto example = data.example_shape();
  shape.insert(shape.end(), example.begin(), example.end());
  const auto type = data.feature_type == FeatureType::f32 ? torch::kFloat32 : torch::kUInt8;
  auto features = torch::empty(shape, type);
  auto labels = torch::empty({n}, torch::kInt64);
  auto* out = static_cast<std::uint8_t*>(features.data_ptr());
  std::int64_t* lab = labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::size_t src =
        indices ? (*indices)[static_cast<std::size_t>(i)] : static_cast<std::size_t>(i);
    if (src >= data.size()) throw std::out_of_range("example index out of range");
    std::memcpy(out + static_cast<std::size_t>(i) * bytes, data.images.data() + src * bytes, bytes);
    lab[i] = data.labels[src];
  }
  return {features, labels};
}

torch::Tensor model_input(const torch::Tensor& stored) {
  if (stored.scalar_type() != torch::kUInt8) return stored;
  // Two rounded float operations, as the whole-set conversion did before
  // examples were kept as bytes: the built-in models' results stay bit for bit.
  return stored.to(torch::kFloat32).mul_(1.0F / (255.0F * kPixelStd)).sub_(kPixelMean / kPixelStd);
}

torch::Tensor model_input_into(const torch::Tensor& stored, const torch::Tensor& buffer) {
  if (stored.scalar_type() != torch::kUInt8) return stored;
  // copy_ converts as to() does; then the same two rounded operations.
  buffer.copy_(stored.view(buffer.sizes()))
      .mul_(1.0F / (255.0F * kPixelStd))
      .sub_(kPixelMean / kPixelStd);
  return buffer;
}

std::pair<torch::Tensor, torch::Tensor> to_tensors(const Dataset& data,
                                                   const std::vector<std::size_t>* indices) {
  auto [features, labels] = example_tensors(data, indices);
  return {model_input(features), labels};
}

}  // namespace troupe::models
