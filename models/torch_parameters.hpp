#pragma once
/// \file
/// Conversion between a LibTorch module's parameters and models::Parameters.
/// Internal to models/ (includes LibTorch).

#include <torch/torch.h>

#include "models/parameters.hpp"

namespace troupe::models {

/// Copies every parameter and buffer of `module` into `out`, in registration
/// order. Reuses `out`'s buffer when its layout already matches.
void export_parameters(const torch::nn::Module& module, Parameters& out);

/// Copies `params` into `module`'s tensors. Throws std::invalid_argument naming
/// the first tensor whose name, dtype or shape does not match.
void import_parameters(const Parameters& params, torch::nn::Module& module);

}  // namespace troupe::models
