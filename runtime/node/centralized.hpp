#pragma once
/// \file
/// The centralised baseline (`troupe train`): one process trains the job's model
/// on the whole training set with the same budget as the federated job
/// (rounds x local epochs passes, same batch size and learning rate), and is
/// evaluated after each round's worth of epochs.

#include <functional>
#include <memory>
#include <string>

#include "models/dataset.hpp"

#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Called after each round-equivalent with its record (for progress output).
using RoundCallback = std::function<void(const RoundRecord&)>;

/// The examples the baseline trains on instead of the data directory's
/// training split (`troupe train --data`): the union of what the nodes would
/// hold, read by the caller from `source`.
struct CentralData {
  std::shared_ptr<const models::Dataset> examples;
  std::string source;
};

/// Runs the baseline; throws models::DataError or std::invalid_argument on bad
/// input (also when `own` does not fit the job's input shape or classes).
RunReport train_centralized(const JobSpec& job, const RoundCallback& on_round = {},
                            const CentralData& own = {});

}  // namespace troupe::runtime
