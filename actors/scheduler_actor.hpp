#pragma once
/// \file
/// The scheduler actor: keeps the node table (registration, heartbeats,
/// monitors), runs up to SchedulerConfig::concurrent_jobs jobs at once and
/// queues the others by priority. Each job in hand has its own aggregator and
/// its own nodes; its core (runtime::JobCore: synchronous rounds or
/// FedAsync/FedBuff) decides the next steps; the actor sends them to the
/// job's nodes and aggregator and feeds the answers back.
///
/// A job's phases (RunPhase, actors/scheduler_state.hpp):
///   queued -> waiting (for --min-nodes nodes and an aggregator)
///   -> setting up (aggregator and nodes load the job) -> running -> ended.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/protocol.hpp"
#include "runtime/io/job_registry.hpp"
#include "runtime/system/live_capacity.hpp"

namespace troupe::runtime {
class MetricsRegistry;
}

namespace troupe::actors {

struct SchedulerConfig {
  /// The aggregator; may be empty when an aggregator process registers later.
  aggregator_actor aggregator;
  /// Further aggregators, for jobs run at once (`concurrent_jobs`).
  std::vector<aggregator_actor> more_aggregators;
  /// How many jobs run at once (`troupe scheduler --concurrent-jobs`), each
  /// on an aggregator and nodes of its own. 1: one job at a time, on every
  /// node; above 1, a job takes at most its --nodes nodes.
  int concurrent_jobs = 1;
  /// With concurrent_jobs above 1 (`troupe scheduler --share-nodes`): a job
  /// takes its --nodes among every alive node, those serving fewer jobs
  /// first, instead of among free nodes only. A node serving several jobs
  /// runs its waiting tasks highest --priority first, and each job sees a
  /// shared node as slower by the jobs of at least its priority there.
  bool share_nodes = false;
  /// A node silent for this long is declared lost; 0 disables the check
  /// (in-process nodes are watched through monitors alone).
  double heartbeat_timeout_s = 5.0;
  /// How often liveness and waiting jobs are checked.
  double tick_interval_s = 0.5;
  /// Called after each round with its record (progress output); may be empty.
  std::function<void(const runtime::RoundRecord&, int rounds)> on_round;
  /// Shared secret for admission (runtime/system/admission.hpp); empty: every node is
  /// admitted (no authentication). TLS alone never counts as authentication.
  std::string secret;
  /// Free memory and disk a node must have (by its latest heartbeat) to get tasks.
  runtime::HoldNeed hold_need;
  /// Other processes reach this scheduler (troupe scheduler): every request
  /// must answer a nonce from a hello (the version check), and every node must
  /// sign it with its key. Off for embedded clusters, whose nodes live in the
  /// scheduler's process and have no key.
  bool remote = false;
  /// Node names and their public keys (--allowed-nodes): only these may
  /// register. Empty: a name is bound to the first key it registers with.
  std::map<std::string, std::string> allowed_nodes;
  /// Every job's record and report (`--state-dir`); null: kept in memory.
  std::shared_ptr<runtime::JobRegistry> jobs;
  /// Renders a finished job's report as JSON text and an HTML page for the
  /// registry (actors/ does not depend on report/, the CLI passes its
  /// writers); empty: finished jobs keep no report text.
  std::function<runtime::JobReports(const runtime::RunReport&)> render;
  /// Where the scheduler counts its metrics (served at /metrics); null: none.
  std::shared_ptr<runtime::MetricsRegistry> metrics;
  /// The scheduler gets a thread of its own instead of sharing the actor
  /// system's workers: set where nodes compute on those workers (embedded
  /// runs of many nodes, NodeConfig::pooled), so that it is never queued
  /// behind their training.
  bool own_thread = false;
};

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config);

}  // namespace troupe::actors
