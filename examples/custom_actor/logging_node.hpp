#pragma once
// LoggingNode: a node actor of the program's own, written against troupe's
// typed node_actor interface (actors/protocol.hpp), so the compiler checks
// that it answers every message of the node protocol with the right types.
// It logs each task, keeps counts, and delegates the work to a built-in node
// it owns; replace a handler's body to give the node a behaviour of its own.

#include <atomic>
#include <memory>

#include "actors/node_actor.hpp"

namespace example {

/// What a LoggingNode saw; shared with the program that spawned it.
struct NodeLog {
  std::atomic<int> setups{0};
  std::atomic<int> trains{0};
  std::atomic<int> evaluations{0};
};

/// Spawns a LoggingNode around a built-in node made from `config`.
troupe::actors::node_actor spawn_logging_node(caf::actor_system& system,
                                              troupe::actors::NodeConfig config,
                                              std::shared_ptr<NodeLog> log);

}  // namespace example
