#pragma once
/// \file
/// Opens a job's aggregator core: SyncAggregator with the job's strategy or
/// AsyncAggregator (writing the job's event log), each fresh or resumed from
/// the job's checkpoint, and writes their checkpoints. The one
/// place that turns a JobSpec into an aggregator, so the actor only translates.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/aggregation/aggregator_core.hpp"
#include "runtime/aggregation/update_validation.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// A job whose own input cannot be set up (a --checkpoint-dir that cannot be
/// written, a checkpoint of another job, an event log that cannot be
/// written): the submitter's usage error, reported as its sentence.
struct SetupRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What an aggregator process adds to the job.
struct AggregatorSettings {
  std::string strategy;  ///< overrides the job's --strategy when not empty
  UpdateLimits limits;   ///< every update is checked against these
};

/// A job's aggregator, ready for its first update.
struct OpenedAggregator {
  std::unique_ptr<AggregatorCore> core;
  /// Set when the job resumed from a checkpoint: the last round it had done.
  std::optional<std::int32_t> resumed_after;
};

/// The aggregator of `job`: its node behaviour's initial global model as
/// version 0, or the checkpoint in job.checkpoint.resume. Throws SetupRefused
/// for the job's own input (a checkpoint directory that cannot be written, a
/// checkpoint of another job or model, an event log that cannot be written)
/// and std::runtime_error for other problems ("aggregator set-up failed: ...").
OpenedAggregator open_aggregator(const JobSpec& job, const AggregatorSettings& settings = {});

/// What the scheduler adds to an asynchronous job's checkpoint.
struct AsyncCorePart {
  std::string core_state;               ///< the job core's state (opaque here)
  std::vector<std::int64_t> in_flight;  ///< training tasks the core counts as running
};

/// Writes the checkpoint of `core` after `round` into job.checkpoint.dir, with
/// the scheduler's `rounds` (and, for an asynchronous job, `async`); returns its
/// path. Throws std::runtime_error with the reason (no --checkpoint-dir, another
/// round, an asynchronous job without its core's state or whose in-flight
/// update already arrived, a write error).
std::string write_aggregator_checkpoint(const AggregatorCore& core, const JobSpec& job,
                                        std::int32_t round, const std::vector<RoundRecord>& rounds,
                                        const AsyncCorePart& async = {});

}  // namespace troupe::runtime
