#pragma once
/// \file
/// The examples central evaluation measures a job's global model on: the
/// job's shipped test set (--test-data, packed in JobSpec::data.test_set) or,
/// without one, the data directory's Fashion-MNIST test split.

#include <memory>

#include "models/dataset.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/node/data_catalog.hpp"

namespace troupe::runtime {

/// The job's test set, unpacked and checked against the job's input shape
/// (--input-shape; the built-in models' 1,28,28 when empty) and classes
/// (--classes; 10 when 0), cut to --test-limit; or `data`'s test split.
/// Throws std::invalid_argument naming the --test-data file when the set does
/// not fit the model, models::DataError when its packing is corrupt.
std::shared_ptr<const models::Dataset> central_test_set(const JobSpec& job, DataCatalog& data);

}  // namespace troupe::runtime
