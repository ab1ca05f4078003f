#include "runtime/core/strategy_options.hpp"

#include <cmath>

namespace troupe::runtime {
namespace {

std::string in_unit_interval(const char* what, double v) {
  if (!(v >= 0.0 && v < 1.0)) return std::string(what) + " must be in [0, 1)";
  return {};
}

}  // namespace

std::string StrategyOptions::validate() const {
  if (!(server_lr > 0.0) || !std::isfinite(server_lr)) return "server_lr must be positive";
  if (auto why = in_unit_interval("server_momentum", server_momentum); !why.empty()) return why;
  if (auto why = in_unit_interval("beta1", beta1); !why.empty()) return why;
  if (auto why = in_unit_interval("beta2", beta2); !why.empty()) return why;
  if (!(tau > 0.0) || !std::isfinite(tau)) return "tau must be positive";
  if (!(trim_fraction >= 0.0 && trim_fraction < 0.5)) return "trim_fraction must be in [0, 0.5)";
  if (byzantine < 0) return "byzantine must be >= 0";
  if (multi_krum < 0) return "multi_krum must be >= 0 (0 means n - byzantine)";
  if (!(clip_norm >= 0.0) || !std::isfinite(clip_norm))
    return "clip_norm must be >= 0 (0 turns clipping off)";
  return {};
}

}  // namespace troupe::runtime
