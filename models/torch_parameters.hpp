#pragma once
/// \file
/// Conversion between a model's named tensors and models::Parameters.
/// Internal to models/ (includes LibTorch).

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "models/parameters.hpp"

namespace troupe::models {

/// Copies every tensor of `state` into `out`, in order. Reuses `out`'s buffer
/// when its layout already matches.
void export_state(const std::vector<std::pair<std::string, torch::Tensor>>& state, Parameters& out);

/// Copies `params` into the tensors of `state`. Throws std::invalid_argument
/// naming the first tensor whose name, dtype or shape does not match.
void import_state(const Parameters& params,
                  const std::vector<std::pair<std::string, torch::Tensor>>& state);

/// The DType of `t`; throws std::invalid_argument for a type Parameters cannot hold.
DType dtype_of(const torch::Tensor& t);

}  // namespace troupe::models
