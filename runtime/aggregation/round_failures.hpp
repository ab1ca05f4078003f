#pragma once
/// \file
/// The failures of a synchronous round as the scheduler's task records know
/// them, in the form strategies get them (AggregateRequest::failures).

#include <cstdint>
#include <vector>

#include "runtime/aggregation/update.hpp"
#include "runtime/core/task_tracker.hpp"

namespace troupe::runtime {

/// The training tasks of `round` that failed (their node was lost, it dropped
/// out, training or the update failed), by task id, with their error.
std::vector<UpdateFailure> round_failures(const TaskTracker& tasks, std::int32_t round);

}  // namespace troupe::runtime
