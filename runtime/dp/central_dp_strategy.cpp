#include "runtime/dp/central_dp_strategy.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "runtime/aggregation/strategy_inputs.hpp"
#include "runtime/core/privacy_plan.hpp"
#include "runtime/dp/noise_key.hpp"
#include "runtime/privacy/dp_noise.hpp"

namespace troupe::runtime {
namespace {

/// Purpose tags of noise_seed: the two releases never share a stream.
constexpr std::uint64_t kSumNoise = 1;
constexpr std::uint64_t kCountNoise = 2;

}  // namespace

CentralDpOptions CentralDpOptions::from_job(const JobSpec& job) {
  CentralDpOptions o;
  o.noise_multiplier = job.privacy.noise_multiplier;
  o.clip_norm = job.privacy.clip_norm;
  o.target_quantile = job.privacy.adaptive_clip;
  o.expected_updates = updates_per_step(job);
  o.seed = noise_key(job);
  return o;
}

double CentralDpOptions::count_noise() const {
  return std::max(expected_updates / 20.0, noise_multiplier);
}

double CentralDpOptions::update_noise_multiplier() const {
  if (target_quantile <= 0.0) return noise_multiplier;
  const double twice_b = 2 * count_noise();
  return 1.0 / std::sqrt(1.0 / (noise_multiplier * noise_multiplier) - 1.0 / (twice_b * twice_b));
}

CentralDpStrategy::CentralDpStrategy(std::unique_ptr<AggregationStrategy> inner,
                                     CentralDpOptions options)
    : inner_(std::move(inner)), options_(options), clip_(options.clip_norm) {
  if (!inner_) throw std::invalid_argument("CentralDpStrategy: no strategy to wrap");
  if (!(options_.noise_multiplier > 0.0) || !std::isfinite(options_.noise_multiplier))
    throw std::invalid_argument("CentralDpStrategy: noise multiplier must be positive");
  if (!(options_.clip_norm > 0.0) || !std::isfinite(options_.clip_norm))
    throw std::invalid_argument("CentralDpStrategy: clip norm must be positive");
  if (!(options_.target_quantile >= 0.0 && options_.target_quantile < 1.0))
    throw std::invalid_argument("CentralDpStrategy: target quantile must be in [0, 1)");
  if (options_.expected_updates < 1)
    throw std::invalid_argument("CentralDpStrategy: expected updates must be >= 1");
}

std::optional<models::Parameters> CentralDpStrategy::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& failures) {
  if (updates.empty()) return inner_->aggregate(current, updates, failures);
  const std::size_t n = float_count(current);
  const std::int64_t round = updates.front().round;
  std::vector<float> sum(n, 0.0f), delta(n);
  int within = 0;  // updates no longer than C (adaptive clipping's count)
  for (const auto& u : updates) {
    check_update(name(), current, u);
    const float* x = u.params.float_data();
    const float* c = current.float_data();
    for (std::size_t i = 0; i < n; ++i) delta[i] = x[i] - c[i];
    if (clip_to_norm(delta.data(), n, clip_) <= clip_) ++within;
    for (std::size_t i = 0; i < n; ++i) sum[i] += delta[i];
  }
  NoiseGenerator sum_rng(noise_seed(options_.seed, kSumNoise, round, 0));
  add_gaussian_noise(sum.data(), n, options_.update_noise_multiplier() * clip_, sum_rng);
  Update mean = updates.front();  // its identity; the values are the noised mean
  mean.samples = 1;
  mean.score = 1.0;
  float* out = mean.params.float_data();
  const double m = options_.expected_updates;
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(current.float_data()[i] + sum[i] / m);
  last_clip_ = clip_;
  if (options_.target_quantile > 0.0) {
    NoiseGenerator count_rng(noise_seed(options_.seed, kCountNoise, round, 0));
    const double b = (within + gaussian(options_.count_noise(), count_rng)) / m;
    clip_ *= std::exp(-options_.clip_learning_rate * (b - options_.target_quantile));
  }
  return inner_->aggregate(current, {mean}, failures);
}

std::vector<models::Parameters> CentralDpStrategy::state() const {
  auto s = inner_->state();
  if (options_.target_quantile > 0.0) {
    models::Parameters c;
    c.add("dp_clip_norm", models::DType::float64, {1});
    std::memcpy(c.bytes.data(), &clip_, sizeof clip_);
    s.push_back(std::move(c));
  }
  return s;
}

void CentralDpStrategy::load_state(const std::vector<models::Parameters>& s) {
  if (options_.target_quantile <= 0.0 || s.empty()) {
    inner_->load_state(s);
    return;
  }
  const auto& c = s.back();
  if (c.tensors.size() != 1 || c.tensors[0].name != "dp_clip_norm" ||
      c.bytes.size() != sizeof(double))
    throw std::invalid_argument("central DP: the checkpoint holds no adaptive clip norm");
  std::memcpy(&clip_, c.bytes.data(), sizeof clip_);
  inner_->load_state(std::vector<models::Parameters>(s.begin(), s.end() - 1));
}

}  // namespace troupe::runtime
