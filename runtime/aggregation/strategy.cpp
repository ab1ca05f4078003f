#include "runtime/aggregation/strategy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runtime/aggregation/averaging_strategies.hpp"
#include "runtime/aggregation/clipped_strategy.hpp"
#include "runtime/aggregation/robust_strategies.hpp"
#include "runtime/aggregation/server_optimizers.hpp"
#include "runtime/core/registry.hpp"

namespace troupe::runtime {
namespace {

template <typename T>
StrategyFactory plain() {
  return [](const StrategyOptions&) { return std::make_unique<T>(); };
}

StrategyFactory adaptive(SecondMoment rule) {
  return [rule](const StrategyOptions& o) {
    return std::make_unique<AdaptiveServerOptimizer>(rule, o);
  };
}

/// The one registry of strategies; never destroyed (see allocator.cpp). The
/// built-ins go in alphabetically, so the listing of known names is sorted.
Registry<AggregationStrategy, const StrategyOptions&>& strategies() {
  static auto* registry = [] {
    auto* r = new Registry<AggregationStrategy, const StrategyOptions&>("aggregation strategy");
    r->add("fedadagrad", adaptive(SecondMoment::adagrad));
    r->add("fedadam", adaptive(SecondMoment::adam));
    r->add("fedavg", plain<FedAvg>());
    r->add("fedavgm", [](const StrategyOptions& o) { return std::make_unique<FedAvgM>(o); });
    r->add("fedprox", plain<FedProx>());
    r->add("fedyogi", adaptive(SecondMoment::yogi));
    r->add("krum", [](const StrategyOptions& o) { return std::make_unique<Krum>(o, false); });
    r->add("median", plain<CoordinateMedian>());
    r->add("multi-krum", [](const StrategyOptions& o) { return std::make_unique<Krum>(o, true); });
    r->add("trimmed-mean",
           [](const StrategyOptions& o) { return std::make_unique<TrimmedMean>(o); });
    r->add("weighted", plain<ScoreWeightedAverage>());
    return r;
  }();
  return *registry;
}

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

void AggregationStrategy::load_state(const std::vector<models::Parameters>& s) {
  if (!s.empty())
    throw std::invalid_argument(name() + " keeps no state, but " + std::to_string(s.size()) +
                                " parts were given");
}

void register_strategy(const std::string& name, StrategyFactory factory) {
  strategies().add(name, std::move(factory));
}

std::vector<std::string> strategy_names() {
  auto names = strategies().names();
  std::sort(names.begin(), names.end());  // plugins' names among the built-ins
  return names;
}

std::unique_ptr<AggregationStrategy> make_strategy(const std::string& name,
                                                   const StrategyOptions& options) {
  auto& registry = strategies();
  // An unknown name is reported first (make lists the known ones), then bad options.
  if (registry.contains(name))
    if (auto why = options.validate(); !why.empty())
      throw std::invalid_argument("strategy options: " + why);
  auto strategy = registry.make(name, options);
  if (options.clip_norm > 0.0)
    strategy = std::make_unique<ClippedStrategy>(std::move(strategy), options.clip_norm);
  return strategy;
}

StrategyOptions strategy_options(const JobSpec& job) {
  StrategyOptions o;
  o.server_lr = job.server_lr;
  o.server_momentum = job.server_momentum;
  o.beta1 = job.beta1;
  o.beta2 = job.beta2;
  o.tau = job.tau;
  o.trim_fraction = job.trim_fraction;
  o.byzantine = job.byzantine;
  o.multi_krum = job.multi_krum;
  o.clip_norm = job.clip_norm;
  return o;
}

}  // namespace troupe::runtime
