#pragma once
/// \file
/// The centralised baseline (`troupe train`): one process trains the job's model
/// on the whole training set with the same budget as the federated job
/// (rounds x local epochs passes, same batch size and learning rate), and is
/// evaluated after each round's worth of epochs.

#include <functional>

#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Called after each round-equivalent with its record (for progress output).
using RoundCallback = std::function<void(const RoundRecord&)>;

/// Runs the baseline; throws models::DataError or std::invalid_argument on bad input.
RunReport train_centralized(const JobSpec& job, const RoundCallback& on_round = {});

}  // namespace troupe::runtime
