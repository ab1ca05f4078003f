#pragma once
/// \file
/// OR-Library generalized assignment problem files (Beasley's gap1..12, gapa..d):
/// reading them and turning a problem into an AllocationRequest.

#include <istream>
#include <string>
#include <vector>

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// One GAP problem: m agents (nodes), n jobs (tasks); value, demand agent-major.
struct GapProblem {
  int agents = 0;
  int jobs = 0;
  std::vector<double> value;     ///< value[i * jobs + j]: job j on agent i
  std::vector<double> demand;    ///< demand[i * jobs + j]: resource job j uses on agent i
  std::vector<double> capacity;  ///< capacity[i]
};

/// Largest agents x jobs accepted, so a corrupt header cannot exhaust memory.
inline constexpr long long kMaxGapCells = 10'000'000;

/// Parses an OR-Library GAP file: P, then per problem m n, c (m x n), a (m x n),
/// b (m). Line breaks carry no meaning. Throws InputError naming `name`, the
/// line and the reason on malformed input (not a number, negative sizes or
/// demands, missing numbers, trailing data).
std::vector<GapProblem> parse_gap(std::istream& in, const std::string& name);
/// Reads and parses `path`; InputError also when it cannot be opened.
std::vector<GapProblem> read_gap_file(const std::string& path);

/// The request for `problem`: every job placed once (equality constraints)
/// when `placement` is every_task, value and demand per (task, node), CPU only.
AllocationRequest to_request(const GapProblem& problem, Sense sense,
                             Placement placement = Placement::every_task);

}  // namespace troupe::runtime
