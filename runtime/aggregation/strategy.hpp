#pragma once
/// \file
/// Aggregation strategies: how the updates of a round become the next global
/// model. A strategy never touches the transport: results and failures come in
/// as arguments, and "keep the current model" (an empty optional) is a legal answer.
/// The arithmetic lives in runtime/aggregation/aggregation_math.hpp and the shared input
/// checks in runtime/aggregation/strategy_inputs.hpp; strategies only orchestrate.
///
/// Strategies are created by name from a registry (runtime/core/registry.hpp,
/// as allocators and node behaviours): make_strategy. The built-ins are
/// registered on first use; plugins add theirs with register_strategy.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/aggregation/update.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/strategy_options.hpp"

namespace troupe::runtime {

/// What an update weighs when it is combined.
enum class UpdateWeight {
  samples,              ///< the examples it trained on (FedAvg)
  samples_times_score,  ///< examples x Update::score
};

/// Turns a round's updates into the next global model. Implementations are
/// deterministic for a given input order and never touch the transport.
class AggregationStrategy {
 public:
  virtual ~AggregationStrategy() = default;
  virtual std::string name() const = 0;
  /// The next global model, or nothing to keep `current`. Updates arrive
  /// in a fixed order (by shard, then task id), so the result does not depend on arrival order.
  /// Throws std::invalid_argument for malformed input (an update of another
  /// layout, non-float32 tensors, a negative or non-finite weight).
  virtual std::optional<models::Parameters> aggregate(
      const models::Parameters& current, const std::vector<Update>& updates,
      const std::vector<UpdateFailure>& failures) = 0;
  /// State carried between rounds (e.g. a server optimiser's moments), for
  /// checkpoints. Empty for stateless strategies and before the first aggregation.
  virtual std::vector<models::Parameters> state() const { return {}; }
  /// Restores what state() returned; an empty vector resets to a fresh start.
  /// Throws std::invalid_argument when `s` does not fit this strategy.
  virtual void load_state(const std::vector<models::Parameters>& s);
  /// Central differential privacy: the clip norm the latest aggregation used
  /// (reported per round); 0 for a strategy that does not clip for privacy.
  virtual double privacy_clip_norm() const { return 0.0; }
  /// A strategy whose next model is exactly the weighted mean of the usable
  /// updates (streamed_mean in strategy_inputs.hpp gives the same bits) says by which weight; an
  /// aggregator may then combine updates kept in files a chunk at a time
  /// instead of calling aggregate(). Nothing for every other strategy.
  virtual std::optional<UpdateWeight> mean_weight() const { return std::nullopt; }
};

/// Builds a strategy from options (make_strategy has validated them).
using StrategyFactory = std::function<std::unique_ptr<AggregationStrategy>(const StrategyOptions&)>;

/// Adds a strategy under `name` (e.g. from a plugin) to the registry of
/// strategies (a runtime::Registry). Thread-safe. Throws std::invalid_argument
/// when the name is empty, has spaces or commas, or is taken, or the factory is empty.
void register_strategy(const std::string& name, StrategyFactory factory);

/// Names accepted by make_strategy, sorted.
std::vector<std::string> strategy_names();

/// The strategy called `name` configured by `options`, wrapped in update
/// clipping when options.clip_norm > 0. Throws std::invalid_argument for an
/// unknown name (listing the known ones) or invalid options.
std::unique_ptr<AggregationStrategy> make_strategy(const std::string& name,
                                                   const StrategyOptions& options = {});

}  // namespace troupe::runtime
