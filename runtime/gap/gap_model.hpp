#pragma once
/// \file
/// The request in the form the Lagrangian policy searches: a maximisation over
/// the usable (task, node) pairs, and assignments with their node loads.

#include <cstddef>
#include <vector>

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// A request as one maximisation: profit(t, n) is the desirability (value, or
/// minus the cost when minimising); a pair is usable when the node is up and
/// the task's demand fits its empty capacity.
struct GapModel {
  std::size_t tasks = 0;
  std::size_t nodes = 0;
  bool every_task = false;          ///< every task must be placed (else at most once)
  bool integral = false;            ///< every profit is an integer, so bounds may be rounded
  std::vector<double> profit;       ///< t * nodes + n
  std::vector<Resources> demand;    ///< t * nodes + n
  std::vector<char> usable;         ///< t * nodes + n
  std::vector<Resources> capacity;  ///< per node

  static GapModel from(const AllocationRequest& request);
  std::size_t at(std::size_t t, std::size_t n) const { return t * nodes + n; }
};

/// An assignment (Allocation::kUnplaced for a task left out), its node loads and
/// its summed profit. Loads never exceed capacities: every change is checked.
struct GapSolution {
  std::vector<int> node_of_task;
  std::vector<Resources> load;
  double value = 0.0;
  std::size_t unplaced = 0;

  explicit GapSolution(const GapModel& model);
  /// True when task t fits on node n in addition to the current load (its own
  /// demand there excluded when it already runs on n).
  bool fits_on(const GapModel& model, std::size_t t, std::size_t n) const;
  void place(const GapModel& model, std::size_t t, std::size_t n);
  void remove(const GapModel& model, std::size_t t);
  /// Better for the search: fewer unplaced tasks when every task must be
  /// placed, then higher value.
  bool better_than(const GapSolution& other, bool every_task) const;
};

}  // namespace troupe::runtime
