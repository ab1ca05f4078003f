#pragma once
/// \file
/// What a job core (runtime::JobCore) asks its driver to do next. Steps are
/// plain values: the scheduler actor turns each one into a message (or ends
/// the job) and feeds what comes back into the core as events. Which fields
/// matter depends on the kind; the named constructors fill exactly those.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

struct Step {
  enum class Kind {
    train,       ///< send training task `task` to `node`, from global `version`
    evaluate,    ///< send evaluation task `task` of global `version` to `node`
    aggregate,   ///< combine round `round` from the updates of `tasks`
    flush,       ///< apply what the aggregator still buffers (asynchronous final round)
    checkpoint,  ///< write a checkpoint after round `round` with `records` (and, for an
                 ///< asynchronous job, its core's `state` and the training `tasks` in flight)
    release,     ///< task `task` no longer occupies `node` (cancelled); nothing to send
    announce,    ///< round record `records.back()` is complete (progress output)
    done,        ///< the job ended successfully
    failed,      ///< the job failed because of `reason`
    degraded,    ///< the job ran to its end but lost work (`reason`), not allowed by the job
    wake,        ///< call the core's tick at time `at` (or soon after); nothing to send
    paused,      ///< the job yielded after round `round`, whose checkpoint is written
                 ///< (JobCore::request_pause); it resumes from there, queued again
  };

  Kind kind = Kind::done;
  std::int64_t task = -1;
  std::string node;
  int round = 0;
  int shard = -1;
  std::int64_t version = 0;
  std::uint64_t seed = 0;
  std::vector<std::int64_t> tasks;
  std::vector<RoundRecord> records;
  std::string reason;
  std::string state;  ///< checkpoint of an asynchronous job: its core's state
  /// evaluate: on the node's held-out examples (federated evaluation), not the test set.
  bool held_out = false;
  Seconds at = 0.0;  ///< wake: when, on the clock of the core's events
  /// checkpoint: written so that the job can yield (a pause), wherever the
  /// job has no --checkpoint-dir of its own.
  bool pause = false;

  static Step train(std::int64_t task, std::string node, int round, int shard, std::int64_t version,
                    std::uint64_t seed);
  static Step evaluate(std::int64_t task, std::string node, int round, std::int64_t version);
  /// Federated evaluation: `node` evaluates global `version` on its held-out examples.
  static Step evaluate_held_out(std::int64_t task, std::string node, int round,
                                std::int64_t version);
  static Step aggregate(int round, std::vector<std::int64_t> tasks);
  /// `accepted`: the training tasks whose updates were accepted (under secure
  /// aggregation the aggregator waits for those it holds no join of yet).
  static Step flush(std::vector<std::int64_t> accepted = {});
  static Step checkpoint(int round, std::vector<RoundRecord> records);
  /// An asynchronous job's checkpoint: also its core's `state` and the ids of
  /// the training tasks it counts as `in_flight`.
  static Step checkpoint(int round, std::vector<RoundRecord> records, std::string state,
                         std::vector<std::int64_t> in_flight);
  static Step release(std::int64_t task, std::string node);
  static Step announce(RoundRecord record);
  static Step done();
  static Step failed(std::string reason);
  static Step degraded(std::string reason);
  /// Something is due at `at` that no other event may bring (a task
  /// becoming a straggler): the driver ticks the core then.
  static Step wake(Seconds at);
  /// The checkpoint a pause needs, after `round`.
  static Step pause_checkpoint(int round, std::vector<RoundRecord> records);
  /// The job stops after `round` to be resumed later (a final step).
  static Step paused(int round);

  /// The core is silent after this step (done, failed, degraded or paused).
  bool final() const {
    return kind == Kind::done || kind == Kind::failed || kind == Kind::degraded ||
           kind == Kind::paused;
  }
};

using Steps = std::vector<Step>;

/// "train", "evaluate", ... (test and log output).
const char* to_string(Step::Kind kind);

}  // namespace troupe::runtime
