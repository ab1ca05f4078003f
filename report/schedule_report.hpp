#pragma once
/// \file
/// Efficiency of an allocation or a simulated schedule: per task its node,
/// start and finish; makespan, mean and p95 completion time, per-node and
/// overall utilisation, deadline misses, objective. Printed as a table, written
/// as JSON (the keys of RunReport where they overlap: tasks, nodes, efficiency
/// with makespan_s, mean_completion_s, p95_completion_s, utilisation; extended
/// with deadline_misses, objective and more) and drawn as an SVG Gantt chart
/// (gantt_svg.hpp).

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "runtime/allocation/allocator.hpp"
#include "runtime/simulation/simulator.hpp"

namespace troupe::runtime {

struct ScheduledTask {
  std::int64_t id = 0;
  std::string node;  ///< empty: never ran
  double priority = 0.0;
  double cpu = 0.0;        ///< CPU demand, for utilisation
  double queued_s = -1.0;  ///< arrival
  double start_s = -1.0;   ///< last run's start; -1: never started
  double end_s = -1.0;     ///< finish (done) or drop time (failed); -1: open
  std::string state;       ///< done | failed | queued | running | unplaced
  int attempts = 0;
  std::optional<double> deadline;
  bool deadline_missed = false;
};

struct ScheduledNode {
  std::string id;
  int tasks = 0;        ///< tasks that finished there
  double busy_s = 0.0;  ///< summed run time of those tasks
  double capacity_cpu = 0.0;
  double utilisation = 0.0;  ///< CPU-seconds used / (CPU capacity x makespan)
};

struct ScheduleReport {
  std::string policy;
  std::string source;  ///< what was scheduled (file name, "synthetic 100x10", ...)
  std::vector<ScheduledTask> tasks;
  std::vector<ScheduledNode> nodes;
  double makespan_s = 0.0;         ///< first start to last finish
  double mean_completion_s = 0.0;  ///< finish - arrival over done tasks
  double p95_completion_s = 0.0;
  double utilisation = 0.0;  ///< CPU-weighted over all nodes
  int done = 0;
  int failed = 0;
  int unplaced = 0;  ///< never placed (allocation) or still open (simulation)
  int deadline_misses = 0;
  double objective = 0.0;       ///< summed value of done (or placed) tasks
  std::optional<double> bound;  ///< exact allocator's bound
  bool proved_optimal = false;
  std::uint64_t events = 0;  ///< simulation events
  double wall_s = 0.0;       ///< computing time
};

/// A static allocation read as a schedule: every placed task starts at 0 on
/// its node (it fits alongside the others) and runs work / speed seconds.
ScheduleReport report_allocation(const AllocationRequest& request, const Allocation& allocation,
                                 const std::string& policy);

/// The outcome of a simulation.
ScheduleReport report_simulation(const Workload& workload, const SimulationResult& result,
                                 const std::string& policy);

/// Tables: tasks (at most `max_task_rows`, then a count), nodes, summary.
void print_schedule(std::ostream& os, const ScheduleReport& report, std::size_t max_task_rows = 50);
/// JSON text (two-space indented).
std::string schedule_json(const ScheduleReport& report);
/// Writes `text` to `path` (via a temporary file); std::runtime_error when it cannot.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace troupe::runtime
