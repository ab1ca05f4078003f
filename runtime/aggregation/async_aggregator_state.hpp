#pragma once
/// \file
/// What an asynchronous aggregator (FedAsync, FedBuff) holds beyond its
/// current model, so that a checkpoint continues it exactly: the past versions
/// it keeps as bases (updates in flight were trained from them, and FedBuff
/// measures their change against them), what the FedBuff buffer holds, and how
/// many updates arrived (the event log's sequence numbers go on from there).

#include <cstdint>
#include <vector>

#include "models/parameters.hpp"

namespace troupe::runtime {

struct AsyncAggregatorState {
  std::vector<std::int64_t> held_versions;      ///< oldest first; the current version last
  std::vector<models::Parameters> held_models;  ///< the model of each held version
  models::Parameters buffer;  ///< FedBuff: staleness-weighted changes not applied yet
  std::int32_t buffered = 0;  ///< updates in `buffer`
  std::int64_t arrivals = 0;  ///< events recorded so far

  /// True for a synchronous job's snapshot (it holds none of this).
  bool empty() const { return held_versions.empty(); }
};

}  // namespace troupe::runtime
