#pragma once
/// \file
/// Decomposition of a job into tasks.

#include <cstdint>
#include <vector>

#include "runtime/core/job_spec.hpp"
#include "runtime/core/task.hpp"

namespace troupe::runtime {

/// Priority of evaluation tasks: above every training task, because a round's
/// result is only known once its model is evaluated.
inline constexpr double kEvaluatePriority = 2.0;
/// Priority of local-training tasks.
inline constexpr double kTrainPriority = 1.0;
/// Cost of evaluating one example relative to training on it (forward pass only).
inline constexpr double kEvaluateCostPerExample = 1.0 / 3.0;

/// Tasks of one round: one local-training task per selected shard, then one
/// evaluation task. Ids continue from `next_id`, which is advanced.
/// `shard_sizes[s]` is the number of examples in shard s; `test_size` the test set's.
std::vector<Task> decompose_round(const JobSpec& job, int round, const std::vector<int>& shards,
                                  const std::vector<std::int64_t>& shard_sizes,
                                  std::int64_t test_size, std::int64_t& next_id);

}  // namespace troupe::runtime
