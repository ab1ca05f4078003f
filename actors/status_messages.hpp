#pragma once
/// \file
/// The scheduler's answer to status_atom (`troupe status`, `status --json`,
/// the metrics): its nodes and the job in hand. Part of the protocol
/// (actors/protocol.hpp includes it and registers these types); kept apart so
/// that the protocol header stays readable.

#include <caf/all.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/core/report.hpp"
#include "runtime/scheduling/node_table.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::actors {

/// One node as `troupe status` shows it.
struct NodeStatus {
  std::string id;
  std::string state;  ///< alive | lost
  runtime::NodeResources resources;
  runtime::NodeUsage usage;
  runtime::DataPlacement data;
  std::int64_t current_task = -1;
  double last_seen_s = 0.0;  ///< seconds since the last heartbeat
  std::int32_t incarnation = 0;
  std::string lost_reason;
  double speed = 1.0;        ///< its `--speed` (1 when not given)
  bool speed_given = false;  ///< false: the scheduler plans with its measured throughput
  /// Measured per model (runtime::model_key): examples/s and tasks.
  std::map<std::string, runtime::Throughput> throughput;
  std::string job;  ///< the id of the job in hand it serves; empty when free
  /// Every job it serves (several with --share-nodes), highest priority
  /// first; `job` is the first.
  std::vector<std::string> jobs;
};

/// The scheduler's answer to status_atom.
struct ClusterStatus {
  std::vector<NodeStatus> nodes;
  bool aggregator = false;  ///< an aggregator is known
  std::string job;          ///< running job's name, empty when idle
  std::int32_t round = 0;
  std::int32_t rounds = 0;
  std::vector<runtime::RoundRecord> progress;  ///< rounds done so far
  std::int32_t jobs_done = 0;
  std::int32_t queued = 0;  ///< jobs waiting behind the running one
  double uptime_s = 0.0;    ///< seconds since the scheduler started
  /// The running job's place at the scheduler (empty id when idle).
  std::string job_id;
  double priority = 1.0;
  double deadline_s = 0.0;  ///< after submission; 0: none
  double waiting_s = 0.0;   ///< submission to its (first) set-up
  double elapsed_s = 0.0;   ///< since its submission
  int preempted = 0;        ///< times it yielded so far
  bool yielding = false;    ///< it yields at its round's end (--preempt)
  /// Every job in hand, highest priority first (the fields above describe the first).
  std::vector<std::string> running;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeStatus& x) {
  return f(caf::meta::type_name("troupe.NodeStatus"), x.id, x.state, x.resources, x.usage, x.data,
           x.current_task, x.last_seen_s, x.incarnation, x.lost_reason, x.speed, x.speed_given,
           x.throughput, x.job, x.jobs);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClusterStatus& x) {
  return f(caf::meta::type_name("troupe.ClusterStatus"), x.nodes, x.aggregator, x.job, x.round,
           x.rounds, x.progress, x.jobs_done, x.queued, x.uptime_s, x.job_id, x.priority,
           x.deadline_s, x.waiting_s, x.elapsed_s, x.preempted, x.yielding, x.running);
}

}  // namespace troupe::actors
