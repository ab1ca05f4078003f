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

}  // namespace

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

}  // namespace troupe::runtime
