#pragma once
/// \file
/// LibTorch helpers shared by models/'s trainers (trainer.cpp, distillation.cpp).
/// Internal to models/ (includes LibTorch).

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "models/dataset.hpp"

namespace troupe::models {

/// The device named `device`; throws std::invalid_argument when it cannot be used here.
torch::Device parse_device(const std::string& device);

/// Sets intra-op threads (ATen and OpenBLAS) for the calling thread.
void use_threads(int threads);

/// The examples selected by `indices` (all when null) as stored: an
/// N x example_shape() tensor of the data's feature type (uint8 stays one byte
/// per feature), and their labels as int64. Throws std::out_of_range for a bad index.
std::pair<torch::Tensor, torch::Tensor> example_tensors(const Dataset& data,
                                                        const std::vector<std::size_t>* indices);

/// A batch of stored examples as a model's float32 input: uint8 pixels scaled
/// to [0, 1] and standardised with the Fashion-MNIST mean and deviation (as
/// the built-in models expect); float32 features as they are.
torch::Tensor model_input(const torch::Tensor& stored);

/// model_input of a batch without allocating: uint8 pixels are converted into
/// `buffer` (float32, as many elements, reused between batches), the same
/// values bit for bit. Returns `buffer`, or `stored` when it is not uint8.
torch::Tensor model_input_into(const torch::Tensor& stored, const torch::Tensor& buffer);

/// model_input of example_tensors: the selection as float32 model inputs, and
/// the labels (for sets used whole every time, such as distillation's public set).
std::pair<torch::Tensor, torch::Tensor> to_tensors(const Dataset& data,
                                                   const std::vector<std::size_t>* indices);

}  // namespace troupe::models
