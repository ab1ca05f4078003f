#pragma once
/// \file
/// Strategic oscillation for the GAP: a search that may overfill nodes at a
/// price, then a repair back into the capacities.

#include "runtime/gap/gap_model.hpp"

namespace troupe::runtime {

/// From `solution` (feasible), shifts and swaps tasks to improve profit minus
/// `weight` times the summed excess of loads over capacities, until no such
/// move helps; then empties overfilled nodes by moving, task by task, the task
/// whose move loses least onto a node where it fits. Returns false (and
/// leaves `solution` unspecified) when some node cannot be emptied enough.
/// Yagiura, Ibaraki and Glover (2004) search the same penalised space with
/// ejection chains and adaptive weights; this is its shift/swap core, used to
/// leave local optima that the feasible-only neighbourhood cannot.
bool oscillate(const GapModel& model, GapSolution& solution, double weight);

}  // namespace troupe::runtime
