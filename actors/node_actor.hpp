#pragma once
/// \file
/// The node actor: holds local data, trains on it and evaluates global models.
/// It translates messages into calls to models::LocalTrainer and models::Evaluator.

#include <memory>
#include <string>

#include "actors/protocol.hpp"
#include "runtime/compute_gate.hpp"
#include "runtime/data_catalog.hpp"
#include "runtime/traffic.hpp"

namespace troupe::actors {

struct NodeConfig {
  std::string name;  ///< node id in reports
  /// Where models come from and updates go; may arrive later with aggregator_atom.
  aggregator_actor aggregator;
  /// This node's data, shared with other in-process nodes; when empty the node
  /// loads its own from `data_dir` (or the job's --data-dir) at set-up.
  std::shared_ptr<runtime::DataCatalog> data;
  std::string data_dir;
  std::shared_ptr<runtime::ComputeGate> gate;  ///< limits concurrent compute in the process
  std::string device;                          ///< overrides the job's device when not empty
  int threads = 0;                             ///< overrides the job's threads when > 0
  runtime::DataPlacement placement;            ///< shard >= 0: holds only that shard
  /// Counts the model bytes the node fetches and sends (reported with heartbeats); may be null.
  std::shared_ptr<runtime::TrafficMeter> traffic;
};

/// Spawns a node. It blocks while training, so it runs on its own thread.
node_actor spawn_node(caf::actor_system& system, NodeConfig config);

}  // namespace troupe::actors
