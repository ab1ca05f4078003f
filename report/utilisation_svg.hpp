#pragma once
/// \file
/// Per-node utilisation of a run, drawn as SVG: a bar per node (busy time /
/// makespan, from the report's node records) beside a heat strip of the same
/// node's busy fraction over time. The strip comes from the tasks' run
/// intervals, binned over the makespan (busy_over_time).

#include <string>
#include <vector>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Busy fraction of each node in equal time bins between the first task
/// start and the last task end.
struct BusyOverTime {
  double t0 = 0.0;                        ///< first task start
  double t1 = 0.0;                        ///< last task end
  std::vector<std::string> nodes;         ///< the report's nodes, then any other node a task ran on
  std::vector<std::vector<double>> busy;  ///< busy[node][bin]: run time in the bin / bin length
};

/// Bins every task with a start and an end (done or failed) into `bins` bins
/// (at least 1). A node running two tasks at once can exceed 1 in a bin.
BusyOverTime busy_over_time(const RunReport& run, int bins);

/// The bars and heat strips of one run; `id` becomes the svg element's id.
std::string utilisation_svg(const RunReport& run, const std::string& id, int bins = 60);

}  // namespace troupe::runtime
