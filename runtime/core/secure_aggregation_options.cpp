#include "runtime/core/secure_aggregation_options.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {
namespace {

/// Strategies that need nothing but the (weighted) mean of the updates: FedAvg
/// and FedProx keep it, the server optimisers step along its change.
constexpr std::array<std::string_view, 6> kMeanStrategies{"fedavg",  "fedprox",    "fedavgm",
                                                          "fedadam", "fedadagrad", "fedyogi"};

}  // namespace

std::string secure_aggregation_problem(const JobSpec& job) {
  if (!job.privacy.secure_aggregation) return {};
  const std::string with = "--secure-aggregation ";
  if (job.collab.mode == Mode::async)
    return with +
           "needs --mode sync or buffered (--mode async applies single updates, which the "
           "aggregator never sees)";
  if (job.sync.backup_after > 0.0 || job.sync.task_deadline_s > 0.0)
    return with + "does not combine with " +
           (job.sync.backup_after > 0.0 ? "--backup-after" : "--task-deadline") +
           " (a round's masks are agreed among the tasks it started; a backup copy would join "
           "a sum it has no share of)";
  if (job.collab.mode == Mode::buffered && !job.async.event_log.empty())
    return with +
           "does not combine with --event-log (the log replays single updates, which the "
           "aggregator never sees)";
  if (job.collab.mode == Mode::buffered && !job.checkpoint.dir.empty())
    return with +
           "does not combine with --mode buffered and --checkpoint-dir (updates held for an "
           "unfinished secure buffer are not in any checkpoint)";
  if (std::find(kMeanStrategies.begin(), kMeanStrategies.end(), job.collab.strategy) ==
      kMeanStrategies.end())
    return with + "does not combine with --strategy " + job.collab.strategy +
           " (the aggregator sees only the sum of the updates; use fedavg, fedprox, fedavgm, "
           "fedadam, fedadagrad or fedyogi)";
  if (job.collab.strategy_options.clip_norm > 0.0)
    return with +
           "does not combine with --clip-norm (the aggregator cannot clip updates it "
           "cannot see; --dp local clips on the nodes)";
  if (job.privacy.mode == DpMode::central)
    return with +
           "does not combine with --dp central (the aggregator cannot clip updates it "
           "cannot see; use --dp distributed, whose nodes add the same noise)";
  if (job.cluster.node_behaviour == "distill")
    return with + "needs model updates; --node-behaviour distill shares predictions";
  if (job.nodes < 2) return with + "needs --nodes 2 or more (a sum of one update is that update)";
  return {};
}

}  // namespace troupe::runtime
