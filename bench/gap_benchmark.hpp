#pragma once
// The OR-Library GAP part of allocation_bench: the exact allocator against the
// published optima, and each heuristic's gap to them.

#include <string>

namespace troupe::bench {

/// Runs every problem listed in DIR/optima.csv; prints one row per (problem,
/// sense) and a summary per heuristic. `time_limit_s` bounds each exact solve.
/// Returns the number of gap1-12 problems whose optimum was not proved.
int run_gap_benchmark(const std::string& dir, double time_limit_s);

}  // namespace troupe::bench
