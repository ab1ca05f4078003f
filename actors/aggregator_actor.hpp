#pragma once
/// \file
/// The aggregator actor: translates the aggregator protocol into calls on the
/// job's runtime::AggregatorCore (SyncAggregator or AsyncAggregator, opened by
/// runtime::open_aggregator), which holds the versions and combines updates.

#include "actors/protocol.hpp"
#include "runtime/io/aggregator_setup.hpp"

namespace troupe::actors {

/// The strategy override and update limits (see runtime::AggregatorSettings).
using AggregatorConfig = runtime::AggregatorSettings;

/// Spawns an aggregator (on its own thread: averaging large models blocks).
aggregator_actor spawn_aggregator(caf::actor_system& system, AggregatorConfig config = {});

}  // namespace troupe::actors
