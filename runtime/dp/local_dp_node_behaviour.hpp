#pragma once
/// \file
/// Local differential privacy as a NodeBehaviour decorator: with --dp local,
/// after the wrapped behaviour trains, the node clips its update's change
/// (update - global) to L2 norm C and adds N(0, (sigma * C)^2) to every
/// coordinate before the update leaves the node, so the aggregator never sees
/// an un-noised update. The noise derives from this node's noise key
/// (runtime/dp/noise_key.hpp: secret, or the job's --seed with
/// --dp-reproducible-noise) and the task's seed. With --dp distributed the
/// same, with standard deviation sigma * C / sqrt(m), m the updates one secure
/// sum adds (runtime::updates_per_step), so that the sum carries N(0, (sigma
/// C)^2) like central DP's. With any other --dp it passes everything through.

#include <memory>

#include "runtime/node/forwarding_node_behaviour.hpp"

namespace troupe::runtime {

class LocalDpNodeBehaviour final : public ForwardingNodeBehaviour {
 public:
  /// Wraps `inner`; throws std::invalid_argument when it is null.
  explicit LocalDpNodeBehaviour(std::unique_ptr<NodeBehaviour> inner);

  NodeData setup(const NodeSetup& setup) override;
  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override;

 private:
  PrivacyOptions privacy_;    ///< the current job's
  std::uint64_t key_ = 0;     ///< this job's noise key (runtime/dp/noise_key.hpp)
  int updates_per_step_ = 1;  ///< m of the current job (distributed DP's share)
};

/// Clips `update`'s change from `global` to `clip` and adds N(0, (sigma *
/// clip)^2) noise drawn from a generator seeded with `seed`: local DP's
/// mechanism on one update (both float32 of one layout; throws
/// std::invalid_argument otherwise).
void privatise_update(const models::Parameters& global, models::Parameters& update, double clip,
                      double sigma, std::uint64_t seed);

}  // namespace troupe::runtime
