#include "runtime/aggregation/strategy.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

#include "runtime/aggregation/averaging_strategies.hpp"
#include "runtime/aggregation/clipped_strategy.hpp"
#include "runtime/aggregation/robust_strategies.hpp"
#include "runtime/aggregation/server_optimizers.hpp"

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

/// Name -> factory, holding the built-ins from construction on.
struct Registry {
  Registry() {
    auto& f = factories;
    f["fedavg"] = plain<FedAvg>();
    f["weighted"] = plain<ScoreWeightedAverage>();
    f["fedprox"] = plain<FedProx>();
    f["fedavgm"] = [](const StrategyOptions& o) { return std::make_unique<FedAvgM>(o); };
    f["fedadam"] = adaptive(SecondMoment::adam);
    f["fedyogi"] = adaptive(SecondMoment::yogi);
    f["fedadagrad"] = adaptive(SecondMoment::adagrad);
    f["median"] = plain<CoordinateMedian>();
    f["trimmed-mean"] = [](const StrategyOptions& o) { return std::make_unique<TrimmedMean>(o); };
    f["krum"] = [](const StrategyOptions& o) { return std::make_unique<Krum>(o, false); };
    f["multi-krum"] = [](const StrategyOptions& o) { return std::make_unique<Krum>(o, true); };
  }
  std::mutex mu;
  std::map<std::string, StrategyFactory> factories;
};

Registry& registry() {
  // A function-local static is constructed once, thread-safely, on first use.
  static Registry r;
  return r;
}

}  // namespace

void AggregationStrategy::load_state(const std::vector<models::Parameters>& s) {
  if (!s.empty())
    throw std::invalid_argument(name() + " keeps no state, but " + std::to_string(s.size()) +
                                " parts were given");
}

void register_strategy(const std::string& name, StrategyFactory factory) {
  if (name.empty()) throw std::invalid_argument("register_strategy: empty name");
  if (!factory) throw std::invalid_argument("register_strategy: no factory for '" + name + "'");
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!r.factories.emplace(name, std::move(factory)).second)
    throw std::invalid_argument("register_strategy: a strategy named '" + name +
                                "' is already registered");
}

std::vector<std::string> strategy_names() {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  names.reserve(r.factories.size());
  for (const auto& [name, factory] : r.factories) names.push_back(name);  // std::map: sorted
  return names;
}

std::unique_ptr<AggregationStrategy> make_strategy(const std::string& name,
                                                   const StrategyOptions& options) {
  StrategyFactory factory;
  {
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.factories.find(name);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const auto& n : strategy_names()) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown aggregation strategy '" + name + "' (known: " + known +
                                ")");
  }
  if (auto why = options.validate(); !why.empty())
    throw std::invalid_argument("strategy options: " + why);
  auto strategy = factory(options);
  if (!strategy)
    throw std::invalid_argument("the factory of strategy '" + name + "' returned nothing");
  if (options.clip_norm > 0.0)
    strategy = std::make_unique<ClippedStrategy>(std::move(strategy), options.clip_norm);
  return strategy;
}

}  // namespace troupe::runtime
