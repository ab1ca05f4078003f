#pragma once
/// \file
/// Misbehaving nodes, for tests and experiments: how a malicious node alters
/// its honest update before sending it. Pure functions of their inputs (the
/// random attack takes its seed), so runs and replays are reproducible.

#include <cstdint>
#include <string>
#include <utility>

#include "models/parameters.hpp"
#include "runtime/core/job_enums.hpp"

namespace troupe::runtime {

/// "" or "none" | "scale" | "signflip" | "random" | "inflate-samples"; throws std::invalid_argument
/// otherwise. (to_string is runtime/core/job_enums.hpp's.)
Attack parse_attack(const std::string& name);

/// How an update records its alteration: "" for an honest node, else
/// "name:factor" with the factor in full precision (replay needs both).
std::string attack_label(const std::string& name, double factor);

/// The attack and factor of a label written by attack_label; a label without a
/// factor gets `default_factor`. Throws std::invalid_argument for an unknown attack.
std::pair<Attack, double> parse_attack_label(const std::string& label, double default_factor);

/// Rewrites `update` (trained from `base`), with delta = update - base:
///   scale:    base + factor * delta            (a boosted update)
///   signflip: base - factor * delta            (pushes the model the wrong way)
///   random:   base + Gaussian noise of norm factor * |delta| (seeded)
/// none and inflate-samples leave it unchanged. Both float32 with the same layout.
void apply_attack(Attack attack, double factor, const models::Parameters& base,
                  models::Parameters& update, std::uint64_t seed);

/// The sample count a node claims for an update trained on `samples`
/// examples: inflate-samples claims factor times as many (a lie that weighted
/// strategies such as FedAvg would believe), every other attack the truth.
std::int64_t inflate_claim(Attack attack, double factor, std::int64_t samples);

}  // namespace troupe::runtime
