#include "runtime/dp/local_dp_node_behaviour.hpp"

#include <stdexcept>
#include <vector>

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
  std::vector<float> delta(n);
  for (std::size_t i = 0; i < n; ++i) delta[i] = u[i] - g[i];
  clip_to_norm(delta.data(), n, clip);
  NoiseGenerator rng(seed);
  add_gaussian_noise(delta.data(), n, sigma * clip, rng);
  for (std::size_t i = 0; i < n; ++i) u[i] = g[i] + delta[i];
}

LocalDpNodeBehaviour::LocalDpNodeBehaviour(std::unique_ptr<NodeBehaviour> inner)
    : inner_(std::move(inner)) {
  if (!inner_) throw std::invalid_argument("LocalDpNodeBehaviour: no behaviour to wrap");
}

NodeData LocalDpNodeBehaviour::setup(const NodeSetup& setup) {
  privacy_ = setup.job.privacy;
  key_ = noise_key(setup.job);
  return inner_->setup(setup);
}

models::TrainResult LocalDpNodeBehaviour::train(const models::Parameters& global,
                                                const LocalTask& task, models::Parameters& update) {
  auto result = inner_->train(global, task, update);
  if (privacy_.mode == DpMode::local)
    privatise_update(global, update, privacy_.clip_norm, privacy_.noise_multiplier,
                     noise_seed(key_ ^ task.options.seed, kLocalNoise, task.round, task.shard));
  return result;
}

}  // namespace troupe::runtime
