#include "runtime/node/attacks.hpp"

#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

namespace troupe::runtime {

Attack parse_attack(const std::string& name) {
  if (name.empty() || name == "none") return Attack::none;
  if (name == "scale") return Attack::scale;
  if (name == "signflip") return Attack::signflip;
  if (name == "random") return Attack::random;
  if (name == "inflate-samples") return Attack::inflate_samples;
  throw std::invalid_argument("unknown attack '" + name +
                              "' (none, scale, signflip, random, inflate-samples)");
}

const char* to_string(Attack attack) {
  switch (attack) {
    case Attack::none:
      return "none";
    case Attack::scale:
      return "scale";
    case Attack::signflip:
      return "signflip";
    case Attack::random:
      return "random";
    case Attack::inflate_samples:
      return "inflate-samples";
  }
  return "?";
}

std::string attack_label(const std::string& name, double factor) {
  if (name.empty()) return {};
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", factor);
  return name + ":" + text;
}

std::pair<Attack, double> parse_attack_label(const std::string& label, double default_factor) {
  const auto colon = label.find(':');
  const double factor =
      colon == std::string::npos ? default_factor : std::stod(label.substr(colon + 1));
  return {parse_attack(label.substr(0, colon)), factor};
}

void apply_attack(Attack attack, double factor, const models::Parameters& base,
                  models::Parameters& update, std::uint64_t seed) {
  if (attack == Attack::none || attack == Attack::inflate_samples) return;  // see inflate_claim
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

std::int64_t inflate_claim(Attack attack, double factor, std::int64_t samples) {
  if (attack != Attack::inflate_samples) return samples;
  return static_cast<std::int64_t>(std::llround(static_cast<double>(samples) * factor));
}

}  // namespace troupe::runtime
