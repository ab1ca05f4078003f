#include "runtime/node/attacks.hpp"

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace troupe::runtime {

Attack parse_attack(const std::string& name) {
  if (name.empty() || name == to_string(Attack::none)) return Attack::none;
  if (const auto attack = parse_enum<Attack>(name)) return *attack;
  throw std::invalid_argument("unknown attack '" + name + "' (none, scale, signflip, random)");
}

void apply_attack(Attack attack, double factor, const models::Parameters& base,
                  models::Parameters& update, std::uint64_t seed) {
  if (attack == Attack::none) return;
  if (!base.all_float32() || !update.all_float32() || !base.same_layout(update) ||
      base.bytes.size() != update.bytes.size())
    throw std::invalid_argument("apply_attack: update and base must be float32 with one layout");
  const std::size_t n = base.bytes.size() / sizeof(float);
  const float* b = base.float_data();
  float* u = update.float_data();
  if (attack == Attack::scale || attack == Attack::signflip) {
    const float f = static_cast<float>(attack == Attack::scale ? factor : -factor);
    for (std::size_t i = 0; i < n; ++i) u[i] = b[i] + f * (u[i] - b[i]);
    return;
  }
  // random: noise with the norm of the honest change times `factor`.
  double norm2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(u[i]) - b[i];
    norm2 += d * d;
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> noise(n);
  double noise2 = 0.0;
  for (auto& x : noise) {
    x = normal(rng);
    noise2 += x * x;
  }
  const double scale = noise2 > 0.0 ? factor * std::sqrt(norm2 / noise2) : 0.0;
  for (std::size_t i = 0; i < n; ++i) u[i] = b[i] + static_cast<float>(scale * noise[i]);
}

}  // namespace troupe::runtime
