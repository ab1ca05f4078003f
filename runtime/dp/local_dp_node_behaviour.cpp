#include "runtime/dp/local_dp_node_behaviour.hpp"

#include <cmath>
#include <stdexcept>

#include "runtime/core/privacy_plan.hpp"
#include "runtime/dp/noise_key.hpp"
#include "runtime/privacy/dp_noise.hpp"

namespace troupe::runtime {
namespace {

/// Purpose tag of noise_seed for local noise (central DP uses 1 and 2).
constexpr std::uint64_t kLocalNoise = 3;

}  // namespace

void privatise_update(const models::Parameters& global, models::Parameters& update, double clip,
                      double sigma, std::uint64_t seed) {
  if (!global.all_float32() || !update.same_layout(global) ||
      update.bytes.size() != global.bytes.size())
    throw std::invalid_argument("local DP: the update does not match the global model's layout");
  const std::size_t n = global.bytes.size() / sizeof(float);
  const float* g = global.float_data();
  float* u = update.float_data();
  // In place, without a model-sized buffer per task: u becomes the change,
  // is clipped and noised, and becomes a model again.
  for (std::size_t i = 0; i < n; ++i) u[i] -= g[i];
  clip_to_norm(u, n, clip);
  NoiseGenerator rng(seed);
  add_gaussian_noise(u, n, sigma * clip, rng);
  for (std::size_t i = 0; i < n; ++i) u[i] += g[i];
}

LocalDpNodeBehaviour::LocalDpNodeBehaviour(std::unique_ptr<NodeBehaviour> inner)
    : ForwardingNodeBehaviour(std::move(inner), "LocalDpNodeBehaviour") {}

NodeData LocalDpNodeBehaviour::setup(const NodeSetup& setup) {
  privacy_ = setup.job.privacy;
  updates_per_step_ = updates_per_step(setup.job);
  key_ = noise_key(setup.job);
  return inner_->setup(setup);
}

models::TrainResult LocalDpNodeBehaviour::train(const models::Parameters& global,
                                                const LocalTask& task, models::Parameters& update) {
  auto result = inner_->train(global, task, update);
  // distributed: this update is one of the m that a secure sum adds up; m
  // shares of variance (sigma C)^2 / m give the sum central DP's noise.
  const double sigma = privacy_.mode == DpMode::distributed
                           ? privacy_.noise_multiplier / std::sqrt(updates_per_step_)
                           : privacy_.noise_multiplier;
  if (privacy_.mode == DpMode::local || privacy_.mode == DpMode::distributed)
    privatise_update(global, update, privacy_.clip_norm, sigma,
                     noise_seed(key_ ^ task.options.seed, kLocalNoise, task.round, task.shard));
  return result;
}

}  // namespace troupe::runtime
