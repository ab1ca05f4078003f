#pragma once
/// \file
/// Published optima of OR-Library GAP problems (tests/data/gap/optima.csv).

#include <optional>
#include <string>
#include <vector>

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// One row of optima.csv: problem `index` (1-based) of `file`, in one sense.
struct GapOptimum {
  std::string file;  ///< file name without directory, e.g. gap1.txt
  int index = 0;
  std::string name;
  Sense sense = Sense::maximise;
  double value = 0.0;
};

/// The rows of an optima.csv (columns file, problem_index, name, agents_m,
/// jobs_n, sense, value, ...; header skipped, short or malformed rows ignored).
/// Empty when the file cannot be read.
std::vector<GapOptimum> read_gap_optima(const std::string& path);

/// The published optimum of problem `index` of `file` in `sense`, if listed.
std::optional<double> find_gap_optimum(const std::vector<GapOptimum>& optima,
                                       const std::string& file, int index, Sense sense);

}  // namespace troupe::runtime
