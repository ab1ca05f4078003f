// A checkpoint that cannot be written (disk full, directory removed) is an
// event for the job core: counted for the report, and fatal only with
// --checkpoint-required (issue 20, item 2).

#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "runtime/scheduling/job_core.hpp"

using namespace troupe::runtime;

namespace {

constexpr int kRounds = 3;

struct Outcome {
  std::optional<Step> final;
  CheckpointRecord checkpoints;
  std::size_t rounds = 0;
};

/// Runs a two-node sync job of kRounds rounds with a checkpoint after every
/// round, answering every step at once; every checkpoint after round 1 fails.
Outcome run_job(bool required) {
  JobCoreInputs in;
  in.spec.nodes = 2;
  in.spec.rounds = kRounds;
  in.spec.cluster.policy = "priority";
  in.spec.checkpoint.dir = "ckpt";
  in.spec.checkpoint.required = required;
  in.shard_sizes.assign(2, 100);
  in.test_size = 50;
  in.nodes = [] { return UsableNodes{{{"node-1"}, {"node-2"}}, ""}; };
  auto core = make_job_core(std::move(in));
  Seconds now = 0.0;
  std::int64_t version = 0;
  Outcome out;
  std::deque<Step> steps;
  const auto add = [&](Steps more) {
    for (auto& s : more) steps.push_back(std::move(s));
  };
  add(core->start(now));
  while (!steps.empty() && !out.final) {
    const Step s = steps.front();
    steps.pop_front();
    now += 1.0;
    switch (s.kind) {
      case Step::Kind::train: {
        core->task_started(s.task, now);
        TrainResult r;
        r.samples = 100;
        r.receipt.accepted = true;
        add(core->train_done(s.task, now, r));
        break;
      }
      case Step::Kind::evaluate:
        core->task_started(s.task, now);
        add(core->evaluated(s.task, now, {}));
        break;
      case Step::Kind::aggregate:
      case Step::Kind::flush:
        add(core->aggregated({++version, true, 1000 + static_cast<std::uint64_t>(version), 0.0, {}},
                             now));
        break;
      case Step::Kind::checkpoint:
        add(s.round == 1
                ? core->checkpointed(now)
                : core->checkpoint_failed(s.round, now, "ckpt/checkpoint.bin.tmp: No space left"));
        break;
      case Step::Kind::done:
      case Step::Kind::degraded:
      case Step::Kind::failed:
      case Step::Kind::paused:
        out.final = s;
        break;
      case Step::Kind::announce:
      case Step::Kind::release:
      case Step::Kind::wake:
        break;
    }
  }
  out.checkpoints = core->checkpoints();
  out.rounds = core->rounds().size();
  return out;
}

}  // namespace

TEST(CheckpointFailure, WithoutCheckpointRequiredTheJobGoesOnAndCountsTheFailures) {
  const auto out = run_job(/*required=*/false);
  ASSERT_TRUE(out.final);
  EXPECT_EQ(out.final->kind, Step::Kind::done) << out.final->reason;
  EXPECT_EQ(out.rounds, static_cast<std::size_t>(kRounds));
  EXPECT_EQ(out.checkpoints.written, 1);
  EXPECT_EQ(out.checkpoints.last_written_round, 1);
  EXPECT_EQ(out.checkpoints.failed, kRounds - 1);
  EXPECT_EQ(out.checkpoints.last_error, "after round 3: ckpt/checkpoint.bin.tmp: No space left");
}

TEST(CheckpointFailure, WithCheckpointRequiredTheFirstFailedCheckpointFailsTheJob) {
  const auto out = run_job(/*required=*/true);
  ASSERT_TRUE(out.final);
  EXPECT_EQ(out.final->kind, Step::Kind::failed);
  EXPECT_EQ(out.final->reason,
            "the checkpoint after round 2 could not be written (--checkpoint-required): "
            "ckpt/checkpoint.bin.tmp: No space left");
  EXPECT_EQ(out.rounds, 2u);  // the rounds so far stay in the report
  EXPECT_EQ(out.checkpoints.written, 1);
  EXPECT_EQ(out.checkpoints.failed, 1);
}
