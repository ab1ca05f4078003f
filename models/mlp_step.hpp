#pragma once
/// \file
/// The built-in MLP's training step without autograd. Internal to models/
/// (includes LibTorch).

#include <memory>

#include "models/network.hpp"
#include "models/networks.hpp"

namespace troupe::models {

/// A TrainStep for `net` (784-128-10 with ReLU, on the CPU), which must outlive
/// it. Its parameters' gradients are made when they have none.
std::unique_ptr<TrainStep> mlp_train_step(MlpImpl& net);

}  // namespace troupe::models
