#pragma once
/// \file
/// LibTorch network definitions. Internal to models/: include only from .cpp
/// files, since LibTorch headers are slow to compile.

#include <torch/torch.h>

#include <memory>

#include "models/model_kind.hpp"

namespace troupe::models {

/// A classifier from N x 1 x 28 x 28 images to N x 10 logits.
struct ClassifierImpl : torch::nn::Module {
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};

/// Multi-layer perceptron 784-128-10 with ReLU.
struct MlpImpl : ClassifierImpl {
  MlpImpl();
  torch::Tensor forward(torch::Tensor x) override;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

/// Small CNN: two 5x5 convolutions (32, 64 channels) with 2x2 max-pooling,
/// then 1024-128-10 fully connected (as in LibTorch's and Flower's MNIST examples).
struct CnnImpl : ClassifierImpl {
  CnnImpl();
  torch::Tensor forward(torch::Tensor x) override;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

/// A fresh network of the given kind, initialised from LibTorch's default RNG.
std::shared_ptr<ClassifierImpl> make_classifier(ModelKind kind);

}  // namespace troupe::models
