#pragma once
/// \file
/// Cluster bootstrap: the actor-system configuration every troupe process uses,
/// and the embedded cluster (scheduler, aggregator and nodes in one process).

#include <caf/actor_system_config.hpp>

#include <functional>

#include "actors/node_actor.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"

namespace troupe::actors {

/// Registers troupe's message types and tunes CAF for small machines
/// (two scheduler threads, little busy polling: about 3x faster small-message
/// round trips on 2 cores).
void configure(caf::actor_system_config& cfg);

struct EmbeddedOptions {
  /// Called after each round (progress output); may be empty.
  std::function<void(const runtime::RoundRecord&, int rounds)> on_round;
  /// Makes each node's actor (node-1 ... node-N, in order) instead of the
  /// built-in node, e.g. a program's own typed node actor. Empty: built-in nodes.
  NodeSpawner spawn_node;
  /// > 0: every node registers with this speed, used as given (as `troupe
  /// node --speed`), so that rounds are placed the same way under any load;
  /// 0: the scheduler measures speeds from the nodes' tasks.
  double node_speed = 0.0;
  /// Above this many nodes, the built-in nodes share the actor system's
  /// worker threads (NodeConfig::pooled; as many as may compute at once, at
  /// least 2) and the scheduler gets a thread of its own. Up to it, and in
  /// any job with stragglers (--slow-nodes), every node has its own thread,
  /// so that a slowed-down node waits without holding a worker.
  int own_thread_nodes = 256;
};

/// Runs `job` on an in-process cluster of job.nodes nodes and returns the report
/// (status "failed" with the reason when the job could not complete).
runtime::RunReport run_embedded(const runtime::JobSpec& job, const EmbeddedOptions& options = {});

}  // namespace troupe::actors
