#pragma once
/// \file
/// The scheduler actor: takes a job, drives runtime::SyncJob (decomposition,
/// allocation, task states) and sends the tasks it decides on to nodes and the
/// aggregator. One job at a time; a second submission is refused.

#include <functional>
#include <string>
#include <vector>

#include "actors/protocol.hpp"

namespace troupe::actors {

struct NamedNode {
  std::string id;
  node_actor handle;
  double speed = 1.0;
};

struct SchedulerConfig {
  aggregator_actor aggregator;
  std::vector<NamedNode> nodes;
  /// Called after each round with its record (progress output); may be empty.
  std::function<void(const runtime::RoundRecord&, int rounds)> on_round;
};

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config);

}  // namespace troupe::actors
