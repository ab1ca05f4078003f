#include "models/networks.hpp"

namespace troupe::models {

const char* to_string(ModelKind kind) {
  return kind == ModelKind::mlp ? "mlp" : "cnn";
}

std::optional<ModelKind> parse_model_kind(const std::string& name) {
  if (name == "mlp") return ModelKind::mlp;
  if (name == "cnn") return ModelKind::cnn;
  return std::nullopt;
}

MlpImpl::MlpImpl() {
  fc1 = register_module("fc1", torch::nn::Linear(/*in=*/784, /*out=*/128));
  fc2 = register_module("fc2", torch::nn::Linear(/*in=*/128, /*out=*/10));
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  x = x.view({x.size(0), 784});
  return fc2->forward(torch::relu(fc1->forward(x)));
}

CnnImpl::CnnImpl() {
  conv1 = register_module("conv1",
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, /*kernel_size=*/5)));
  conv2 = register_module("conv2",
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, /*kernel_size=*/5)));
  fc1 = register_module("fc1", torch::nn::Linear(/*in=*/64 * 4 * 4, /*out=*/128));
  fc2 = register_module("fc2", torch::nn::Linear(/*in=*/128, /*out=*/10));
}

torch::Tensor CnnImpl::forward(torch::Tensor x) {
  x = torch::max_pool2d(torch::relu(conv1->forward(x)), /*kernel_size=*/2);  // 32 x 12 x 12
  x = torch::max_pool2d(torch::relu(conv2->forward(x)), /*kernel_size=*/2);  // 64 x 4 x 4
  x = x.view({x.size(0), 64 * 4 * 4});
  return fc2->forward(torch::relu(fc1->forward(x)));
}

std::shared_ptr<ClassifierImpl> make_classifier(ModelKind kind) {
  if (kind == ModelKind::mlp) return std::make_shared<MlpImpl>();
  return std::make_shared<CnnImpl>();
}

}  // namespace troupe::models
