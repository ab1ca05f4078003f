#pragma once
/// \file
/// The node agent: registers a node with a scheduler and keeps it known with
/// heartbeats. It is a separate, light actor so that heartbeats go on while the
/// node actor's thread is busy training. It quits when the scheduler is lost,
/// so that the process can reconnect.

#include <functional>
#include <memory>

#include "actors/protocol.hpp"
#include "runtime/system/node_identity.hpp"
#include "runtime/system/traffic.hpp"

namespace troupe::actors {

struct NodeAgentConfig {
  scheduler_actor scheduler;
  node_actor node;
  NodeRegistration registration;
  double heartbeat_interval_s = 1.0;
  double retry_interval_s = 1.0;  ///< between registration attempts
  bool announce = false;          ///< print a line (time since start, RSS) when first registered
  /// Shared secret: when set, the agent answers the hello's challenge with it
  /// (runtime/system/admission.hpp).
  std::string secret;
  /// The node's identity: when set, the agent signs the hello's nonce with it
  /// (runtime/system/node_identity.hpp). A scheduler in its own process needs one.
  std::shared_ptr<const runtime::NodeKey> key;
  /// Called once when the scheduler refuses admission or speaks another
  /// protocol version; the agent then quits (retrying is pointless). May be empty.
  std::function<void(const std::string&)> on_refused;
  std::string disk_path = ".";                           ///< where free disk is measured
  std::shared_ptr<const runtime::TrafficMeter> traffic;  ///< the node's byte counters; may be null
};

/// Spawns the agent; it registers at once and retries until it succeeds.
caf::actor spawn_node_agent(caf::actor_system& system, NodeAgentConfig config);

}  // namespace troupe::actors
