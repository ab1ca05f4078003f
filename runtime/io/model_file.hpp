#pragma once
/// \file
/// Shipping a job's model file: whoever submits a job reads its
/// --model-file into the job (bytes and SHA-256), so that nodes and the
/// aggregator need no shared file system; they check the bytes against the
/// hash (runtime/core/job_model.hpp) before they load them.

#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

/// Reads `job.train.model_file` (when set) into `job.train.model_script` and
/// sets `job.train.model_sha256`. Throws std::invalid_argument naming the file
/// when it is missing, not a regular file, unreadable or empty. A job without
/// a model file is left as it is.
void attach_model_file(JobSpec& job);

}  // namespace troupe::runtime
