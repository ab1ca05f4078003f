#pragma once
/// \file
/// Discrete-event simulation of the online scheduler on a virtual clock: tasks
/// arrive, run for work / speed seconds on the node they are given, may fail,
/// and nodes may leave and come back. Pure and deterministic for a given seed.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/allocation/allocator.hpp"
#include "runtime/scheduling/online_scheduler.hpp"

namespace troupe::runtime {

/// A task of a workload and when it arrives.
struct WorkloadTask {
  TaskDemand task;
  double arrival = 0.0;
};

/// A node leaving (up = false) or (re)joining at a time.
struct NodeEvent {
  double time = 0.0;
  std::string node;
  bool up = false;
};

struct Workload {
  std::vector<WorkloadTask> tasks;
  std::vector<NodeCapacity> nodes;  ///< present from time 0
  std::vector<NodeEvent> node_events;
};

struct SimulationOptions {
  SchedulerOptions scheduler;
  /// Probability that a run fails (at a uniformly drawn point of its duration).
  double failure_probability = 0.0;
  std::uint64_t seed = 1;
  /// Stop after this many events (a guard against workloads that never drain).
  std::uint64_t max_events = 100'000'000;
};

struct SimulationResult {
  std::vector<TaskRecord> tasks;  ///< the scheduler's final records
  std::vector<NodeSlot> nodes;
  std::uint64_t events = 0;  ///< events processed (arrivals, starts, ends, failures, node events)
  double end_time = 0.0;     ///< virtual time of the last event
  bool drained = true;       ///< every task ended (done or dropped)
};

/// Runs `workload` under `policy`. Each run of a task takes work / speed of its
/// node (at least a microsecond); starts are immediate on assignment.
SimulationResult simulate(const Workload& workload, const Allocator& policy,
                          const SimulationOptions& options = {});

}  // namespace troupe::runtime
