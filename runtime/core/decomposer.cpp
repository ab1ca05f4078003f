#include "runtime/core/decomposer.hpp"

#include <stdexcept>

namespace troupe::runtime {

std::vector<Task> decompose_round(const JobSpec& job, int round, const std::vector<int>& shards,
                                  const std::vector<std::int64_t>& shard_sizes,
                                  std::int64_t test_size, std::int64_t& next_id) {
  std::vector<Task> tasks;
  tasks.reserve(shards.size() + 1);
  for (int shard : shards) {
    if (shard < 0 || static_cast<std::size_t>(shard) >= shard_sizes.size())
      throw std::out_of_range("decompose_round: shard out of range");
    Task t;
    t.id = next_id++;
    t.kind = TaskKind::train;
    t.round = round;
    t.shard = shard;
    t.priority = kTrainPriority;
    const auto size = shard_sizes[static_cast<std::size_t>(shard)];
    t.demand = job.train.local_steps > 0
                   ? static_cast<double>(job.train.local_steps * job.train.batch_size)
                   : static_cast<double>(size) * job.train.local_epochs;
    t.seed = task_seed(job.seed, round, shard);
    tasks.push_back(std::move(t));
  }
  Task eval;
  eval.id = next_id++;
  eval.kind = TaskKind::evaluate;
  eval.round = round;
  eval.priority = kEvaluatePriority;
  eval.demand = static_cast<double>(test_size) * kEvaluateCostPerExample;
  tasks.push_back(std::move(eval));
  return tasks;
}

}  // namespace troupe::runtime
