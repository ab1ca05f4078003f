#pragma once
/// \file
/// Local differential privacy as a NodeBehaviour decorator: with --dp local,
/// after the wrapped behaviour trains, the node clips its update's change
/// (update - global) to L2 norm C and adds N(0, (sigma * C)^2) to every
/// coordinate before the update leaves the node, so the aggregator never sees
/// an un-noised update. The noise is seeded from the task's seed (job seed,
/// round, shard), so a run is reproducible and a shard re-run on another node
/// draws the same noise. With any other --dp it passes everything through.

#include <memory>

#include "runtime/node/node_behaviour.hpp"

namespace troupe::runtime {

class LocalDpNodeBehaviour final : public NodeBehaviour {
 public:
  /// Wraps `inner`; throws std::invalid_argument when it is null.
  explicit LocalDpNodeBehaviour(std::unique_ptr<NodeBehaviour> inner);

  std::string name() const override { return inner_->name(); }
  NodeData setup(const NodeSetup& setup) override;
  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override;
  models::ClassificationMetrics evaluate(const models::Parameters& global) override {
    return inner_->evaluate(global);
  }
  models::ClassificationMetrics evaluate_held_out(const models::Parameters& global) override {
    return inner_->evaluate_held_out(global);
  }
  models::Parameters initial_global(const JobSpec& job) const override {
    return inner_->initial_global(job);
  }

 private:
  std::unique_ptr<NodeBehaviour> inner_;
  PrivacyOptions privacy_;  ///< the current job's
  std::uint64_t key_ = 0;   ///< this job's noise key (runtime/dp/noise_key.hpp)
};

/// Clips `update`'s change from `global` to `clip` and adds N(0, (sigma *
/// clip)^2) noise drawn from a generator seeded with `seed`: local DP's
/// mechanism on one update (both float32 of one layout; throws
/// std::invalid_argument otherwise).
void privatise_update(const models::Parameters& global, models::Parameters& update, double clip,
                      double sigma, std::uint64_t seed);

}  // namespace troupe::runtime
