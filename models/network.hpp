#pragma once
/// \file
/// A classifier as the SGD loop, the evaluator and the distillation trainer
/// see it: one of troupe's built-in networks or a TorchScript module, behind
/// one small interface (forward, the parameters the optimiser steps, the
/// state that travels, train/eval mode). Internal to models/ (includes LibTorch).

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/model_source.hpp"
#include "models/parameters.hpp"

namespace troupe::models {

/// Named tensors of a model, in a stable order.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/// One SGD step's forward pass, cross-entropy and gradients, computed by a
/// network itself instead of through autograd: the same ATen kernels autograd
/// would call, in the same order, into buffers kept between steps.
class TrainStep {
 public:
  virtual ~TrainStep() = default;
  /// The mean cross-entropy of a batch of stored examples (as model_input
  /// takes them) against class indices `targets`. Leaves every parameter's
  /// gradient in its grad(), bit for bit what zero_grad() and backward() of
  /// the same loss leave there. The returned tensor is reused by the next call.
  virtual torch::Tensor loss_and_gradients(const torch::Tensor& stored_inputs,
                                           const torch::Tensor& targets) = 0;
};

/// A trainable classifier from N x example-shape float32 inputs to N x classes logits.
class Network {
 public:
  virtual ~Network() = default;
  /// Logits of a batch.
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  /// The tensors the optimiser steps.
  virtual std::vector<torch::Tensor> parameters() = 0;
  /// What travels as Parameters: the parameters, then the floating-point
  /// buffers (BatchNorm running statistics), each with its qualified name, in
  /// registration order. Integer buffers (BatchNorm's batch counter) stay
  /// local: averaging a counter means nothing.
  virtual NamedTensors state() = 0;
  /// Training (dropout, batch statistics) or evaluation mode.
  virtual void train(bool on) = 0;
  /// The network's own training step, or null: autograd then computes the
  /// gradients (run_sgd uses it only for plain cross-entropy).
  virtual TrainStep* train_step() { return nullptr; }
};

/// The network `model` names, on `device`: a fresh built-in network
/// (initialised from LibTorch's default generator) or the script's module with
/// its saved weights. Throws std::invalid_argument when the script does not load.
std::unique_ptr<Network> make_network(const ModelSource& model, const torch::Device& device);

/// Copies `net`'s state into `out` (reusing its buffer when the layout matches).
void export_parameters(Network& net, Parameters& out);
/// Copies `params` into `net`'s state. Throws std::invalid_argument naming the
/// first tensor whose name, dtype or shape does not match.
void import_parameters(const Parameters& params, Network& net);

}  // namespace troupe::models
