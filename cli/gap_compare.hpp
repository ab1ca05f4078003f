#pragma once
// troupe allocate --gap FILE --compare: every policy on every problem, with the
// best known bound and the gaps to it and to the published optimum.

#include <string>
#include <vector>

#include "runtime/allocation/gap_instance.hpp"

namespace troupe::cli {

/// What --compare needs besides the problems.
struct CompareOptions {
  std::string gap_path;  ///< the GAP file; optima.csv is looked up beside it
  int problem = 0;       ///< 1-based; 0 = every problem
  runtime::Sense sense = runtime::Sense::maximise;
  runtime::Placement placement = runtime::Placement::every_task;
  double time_limit_s = 10.0;
};

/// Runs every registered policy on each problem and prints one row per
/// (problem, policy): objective, best known bound (the tightest bound any
/// policy reported, so heuristics show the Lagrangian or CBC bound), gap % to
/// it, gap % to the published optimum when optima.csv beside the file lists
/// it, and time. Returns kExitFailed when on some problem no policy placed
/// every task that had to be placed, else kExitOk.
int compare_policies(const std::vector<runtime::GapProblem>& problems, const CompareOptions& o);

}  // namespace troupe::cli
