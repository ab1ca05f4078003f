#pragma once
// The OR-Library GAP part of allocation_bench: the exact allocator against the
// published optima, and each heuristic's gap to them.

#include <string>
#include <vector>

#include "runtime/allocation/gap_optima.hpp"

namespace troupe::bench {

using Optimum = runtime::GapOptimum;
/// Relative distance of `value` from the optimum, worse side positive.
double gap_to(const Optimum& optimum, double value);
/// True for gap1..gap12 (Osman's and Cattrysse's sets), false for gapa..gapd.
bool classic_gap_file(const std::string& file);

/// Runs every problem listed in DIR/optima.csv; prints one row per (problem,
/// sense) and a summary per heuristic. `time_limit_s` bounds each exact solve.
/// Returns the number of gap1-12 problems whose optimum was not proved.
int run_gap_benchmark(const std::string& dir, double time_limit_s);

}  // namespace troupe::bench
