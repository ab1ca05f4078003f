#include "runtime/privacy/dp_noise.hpp"

#include <cmath>
#include <stdexcept>

namespace troupe::runtime {

double clip_to_norm(float* delta, std::size_t n, double clip) {
  if (!(clip > 0.0) || !std::isfinite(clip))
    throw std::invalid_argument("clip norm must be positive and finite");
  double sq = 0.0;
  for (std::size_t i = 0; i < n; ++i) sq += static_cast<double>(delta[i]) * delta[i];
  const double norm = std::sqrt(sq);
  if (!std::isfinite(norm)) {
    for (std::size_t i = 0; i < n; ++i) delta[i] = 0.0f;
    return norm;
  }
  if (norm > clip) {
    // float rounding of the scaled values can leave the norm a hair above
    // clip; shrinking the factor by a few ulps keeps the bound exact.
    const double factor = clip / norm * (1.0 - 1e-6);
    for (std::size_t i = 0; i < n; ++i) delta[i] = static_cast<float>(delta[i] * factor);
  }
  return norm;
}

void add_gaussian_noise(float* values, std::size_t n, double stddev, NoiseGenerator& rng) {
  if (!(stddev >= 0.0) || !std::isfinite(stddev))
    throw std::invalid_argument("noise standard deviation must be >= 0 and finite");
  if (stddev == 0.0) return;
  std::normal_distribution<double> normal(0.0, stddev);
  for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<float>(values[i] + normal(rng));
}

double gaussian(double stddev, NoiseGenerator& rng) {
  if (!(stddev >= 0.0) || !std::isfinite(stddev))
    throw std::invalid_argument("noise standard deviation must be >= 0 and finite");
  if (stddev == 0.0) return 0.0;
  return std::normal_distribution<double>(0.0, stddev)(rng);
}

std::uint64_t noise_seed(std::uint64_t job_seed, std::uint64_t purpose, std::int64_t round,
                         std::int64_t task) {
  // splitmix64 steps over the fields in turn, so no two fields cancel out.
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t z = mix(job_seed);
  z = mix(z ^ purpose);
  z = mix(z ^ static_cast<std::uint64_t>(round));
  return mix(z ^ static_cast<std::uint64_t>(task));
}

}  // namespace troupe::runtime
