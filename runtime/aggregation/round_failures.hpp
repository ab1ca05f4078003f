#pragma once
/// \file
/// The failures of a synchronous round as the scheduler's task records know
/// them, in the form strategies get them (AggregateRequest::failures).

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/aggregation/update.hpp"
#include "runtime/core/task_tracker.hpp"

namespace troupe::runtime {

/// The training tasks of `round` that failed (their node was lost, it dropped
/// out, training or the update failed), by task id, with their error.
std::vector<UpdateFailure> round_failures(const TaskTracker& tasks, std::int32_t round);

/// Why a round got no update, from its failures, as one clause: failures with
/// the same reason (task numbers aside) counted together, most frequent first,
/// e.g. "3 updates rejected: non-finite values (is --lr too large?)". Empty
/// for no failures.
std::string explain_failures(const std::vector<UpdateFailure>& failures);

}  // namespace troupe::runtime
