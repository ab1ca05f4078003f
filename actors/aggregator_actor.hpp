#pragma once
/// \file
/// The aggregator actor: holds the numbered global model versions, collects a
/// round's updates and combines them with a runtime::AggregationStrategy.

#include "actors/protocol.hpp"
#include "runtime/aggregation/update_validation.hpp"

namespace troupe::actors {

struct AggregatorConfig {
  std::string strategy;          ///< overrides the job's --strategy when not empty
  runtime::UpdateLimits limits;  ///< every update is checked against these
};

/// Spawns an aggregator (on its own thread: averaging large models blocks).
aggregator_actor spawn_aggregator(caf::actor_system& system, AggregatorConfig config = {});

}  // namespace troupe::actors
