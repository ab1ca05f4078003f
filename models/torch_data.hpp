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

/// Examples selected by `indices` (all when null) as N x example_shape floats
/// (uint8 pixels normalised, float32 features as they are), and their labels
/// as int64. Throws std::out_of_range for a bad index.
std::pair<torch::Tensor, torch::Tensor> to_tensors(const Dataset& data,
                                                   const std::vector<std::size_t>* indices);

}  // namespace troupe::models
