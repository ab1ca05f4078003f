#pragma once
/// \file
/// The job owner's held-out set (--test-data): read where the job is
/// submitted and shipped with it, so the evaluating node needs no copy of the
/// file and no shared file system.

#include <cstddef>

#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

/// The largest packed test set a job may ship: 64 MiB. The job travels as one
/// message to the scheduler and from it to every node at set-up, and each node
/// keeps its own copy; a set this size (eight times Fashion-MNIST's 10,000
/// test images) already costs each node that much memory, and a larger single
/// message risks the connection timeout of CAF 0.17, which counts time
/// between complete messages.
inline constexpr std::size_t kMaxTestSetBytes = std::size_t{64} << 20;

/// When `job.data.test_data` names a file, reads it (models::load_examples:
/// CSV, x.npy/y.npy directory or gzipped IDX pair) and packs it into
/// `job.data.test_set`. Throws std::invalid_argument naming the file when it is
/// missing, unreadable or malformed, or packs to more than `max_bytes`.
void attach_test_data(JobSpec& job, std::size_t max_bytes = kMaxTestSetBytes);

}  // namespace troupe::runtime
