#pragma once
/// \file
/// A node's model update: the one value that travels from a node to the
/// aggregator (actors/protocol.hpp serialises it, parameters as raw bytes), is
/// checked and collected by an AggregatorCore and combined by a strategy.
/// UpdateInfo is everything but the parameters (what the async event log keeps).

#include <cstdint>
#include <memory>
#include <string>

#include "models/parameters.hpp"
#include "runtime/spool/spooled_bytes.hpp"

namespace troupe::runtime {

/// What an update says about itself.
struct UpdateInfo {
  std::int64_t task_id = 0;
  std::int32_t round = 0;  ///< the synchronous round it was trained for (0 in async modes)
  std::string node;
  std::int32_t shard = -1;        ///< the data shard it was trained on
  std::int64_t base_version = 0;  ///< global version it started from
  std::int64_t samples = 0;       ///< examples it trained on
  double loss = 0.0;              ///< mean training loss
  std::uint64_t seed = 0;         ///< the task's training seed (for replay)
  /// Contribution weight used by the `weighted` strategy (exp(-loss) from a
  /// node, or a validation score); finite and >= 0 there. Others ignore it.
  double score = 1.0;
  std::string attack;        ///< how a misbehaving node altered it ("" = honest), "name:factor"
  std::uint64_t run_id = 0;  ///< the job it was trained for (JobSpec::run_id)
};

/// An update with its parameters.
struct Update : UpdateInfo {
  models::Parameters params;
  /// When set, the parameters' bytes are in this file and `params` holds
  /// only their layout (an aggregator started with --spool-dir; see
  /// spooled_bytes.hpp). A SyncAggregator reads them a chunk at a time for
  /// strategies that are a weighted mean (AggregationStrategy::mean_weight),
  /// and loads them for any other.
  std::shared_ptr<const SpooledBytes> spooled;

  /// Moves spooled bytes into `params` (a no-op for bytes in memory).
  void load_spooled() {
    if (!spooled) return;
    params.bytes = spooled->read_all();
    spooled.reset();
  }
};

/// A task of the round that produced no update that counts: it failed, its
/// node was lost or dropped out, or its update was refused.
struct UpdateFailure {
  std::int64_t task_id = 0;
  std::string node;
  std::string reason;
};

}  // namespace troupe::runtime
