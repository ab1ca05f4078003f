// Preemption at round boundaries (JobCore::request_pause): a synchronous job
// asked to yield writes a checkpoint at its next round's end and ends with a
// paused step; a core resumed from that point finishes the job. A pause whose
// checkpoint fails is put off to the next round; a job in its last round ends.

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <set>

#include "runtime/scheduling/job_core.hpp"

using namespace troupe::runtime;

namespace {

constexpr int kRounds = 3;

struct Run {
  std::optional<Step> final;
  std::vector<Step> checkpoints;  ///< the checkpoint steps, in order
  std::vector<int> announced;     ///< rounds announced
  std::unique_ptr<JobCore> core;
};

JobCoreInputs inputs(const std::string& checkpoint_dir = "", bool required = false) {
  JobCoreInputs in;
  in.spec.nodes = 2;
  in.spec.rounds = kRounds;
  in.spec.cluster.policy = "priority";
  in.spec.checkpoint.dir = checkpoint_dir;
  in.spec.checkpoint.required = required;
  in.shard_sizes.assign(2, 100);
  in.test_size = 50;
  in.nodes = [] { return UsableNodes{{{"node-1"}, {"node-2"}}, ""}; };
  return in;
}

/// Drives `core` to its final step, answering every step at once. The pause
/// is requested once round `pause_after` is announced (0: at the start);
/// checkpoints after the rounds in `failing` fail.
Run drive(std::unique_ptr<JobCore> core, int pause_after, std::set<int> failing = {}) {
  Run run;
  Seconds now = 0.0;
  std::int64_t version = core->version();
  std::deque<Step> steps;
  const auto add = [&](Steps more) {
    for (auto& s : more) steps.push_back(std::move(s));
  };
  if (pause_after == 0) {
    EXPECT_TRUE(core->request_pause());
  }
  add(core->start(now));
  while (!steps.empty() && !run.final) {
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
        run.checkpoints.push_back(s);
        add(failing.count(s.round) ? core->checkpoint_failed(s.round, now, "disk full")
                                   : core->checkpointed(now));
        break;
      case Step::Kind::announce:
        run.announced.push_back(s.round);
        if (s.round == pause_after) {
          EXPECT_TRUE(core->request_pause());
        }
        break;
      case Step::Kind::done:
      case Step::Kind::degraded:
      case Step::Kind::failed:
      case Step::Kind::paused:
        run.final = s;
        break;
      case Step::Kind::release:
      case Step::Kind::wake:
        break;
    }
  }
  run.core = std::move(core);
  return run;
}

}  // namespace

TEST(Pause, ASyncJobYieldsAtTheEndOfTheRoundInProgressAfterItsCheckpoint) {
  auto run = drive(make_job_core(inputs()), /*pause_after=*/0);
  ASSERT_TRUE(run.final);
  EXPECT_EQ(run.final->kind, Step::Kind::paused);
  EXPECT_EQ(run.final->round, 1);
  EXPECT_EQ(run.announced, std::vector<int>{1});
  ASSERT_EQ(run.checkpoints.size(), 1u);
  EXPECT_TRUE(run.checkpoints[0].pause) << "the job has no --checkpoint-dir of its own";
  EXPECT_EQ(run.checkpoints[0].round, 1);
  EXPECT_TRUE(run.core->ended());
  EXPECT_TRUE(run.core->tick(1e6).empty()) << "a paused core is silent";
  for (const auto& t : run.core->tracker().tasks()) EXPECT_TRUE(t.terminal()) << "task " << t.id;
  // A checkpoint written only for the pause is not one of the job's.
  EXPECT_EQ(run.core->checkpoints().written, 0);
}

TEST(Pause, AResumedCoreFinishesTheRoundsThePausedOneLeft) {
  auto first = drive(make_job_core(inputs()), /*pause_after=*/1);
  ASSERT_TRUE(first.final);
  ASSERT_EQ(first.final->kind, Step::Kind::paused);
  const int round = first.final->round;
  EXPECT_EQ(round, 2) << "asked after round 1 was announced, it yields after round 2";

  auto in = inputs();
  in.version = first.core->version();
  in.resume = ResumePoint{round, first.core->rounds(), first.core->fingerprint(), ""};
  auto second = drive(make_job_core(std::move(in)), /*pause_after=*/-1);
  ASSERT_TRUE(second.final);
  EXPECT_EQ(second.final->kind, Step::Kind::done) << second.final->reason;
  EXPECT_EQ(second.announced, std::vector<int>{3});
  EXPECT_EQ(second.core->rounds().size(), static_cast<std::size_t>(kRounds));
}

TEST(Pause, AFailedPauseCheckpointPutsThePauseOffAndDoesNotFailTheJob) {
  // Even with --checkpoint-required: the failed checkpoint was the pause's, not the job's.
  auto in = inputs("", /*required=*/true);
  auto run = drive(make_job_core(std::move(in)), /*pause_after=*/0, /*failing=*/{1});
  ASSERT_TRUE(run.final);
  EXPECT_EQ(run.final->kind, Step::Kind::paused) << run.final->reason;
  EXPECT_EQ(run.final->round, 2);
  ASSERT_EQ(run.checkpoints.size(), 2u);
  EXPECT_EQ(run.core->checkpoints().failed, 0);
}

TEST(Pause, AJobWithItsOwnCheckpointsYieldsOnTheOneDueAnyway) {
  auto run = drive(make_job_core(inputs("ckpt")), /*pause_after=*/0);
  ASSERT_TRUE(run.final);
  EXPECT_EQ(run.final->kind, Step::Kind::paused);
  ASSERT_EQ(run.checkpoints.size(), 1u);
  EXPECT_FALSE(run.checkpoints[0].pause) << "written into the job's --checkpoint-dir";
  EXPECT_EQ(run.core->checkpoints().written, 1);
}

TEST(Pause, AJobInItsLastRoundEndsInsteadOfYielding) {
  auto run = drive(make_job_core(inputs()), /*pause_after=*/kRounds - 1);
  ASSERT_TRUE(run.final);
  // Asked after round 2, it yields after round 3 -- the last: it ends.
  EXPECT_EQ(run.final->kind, Step::Kind::done) << run.final->reason;
  EXPECT_EQ(run.announced.size(), static_cast<std::size_t>(kRounds));
}

TEST(Pause, AWithdrawnPauseLetsTheJobRunToItsEnd) {
  auto core = make_job_core(inputs());
  ASSERT_TRUE(core->request_pause());
  EXPECT_TRUE(core->withdraw_pause());
  EXPECT_FALSE(core->pause_requested());
  auto run = drive(std::move(core), /*pause_after=*/-1);
  ASSERT_TRUE(run.final);
  EXPECT_EQ(run.final->kind, Step::Kind::done) << run.final->reason;
  EXPECT_EQ(run.announced.size(), static_cast<std::size_t>(kRounds));
}

TEST(Pause, AsynchronousJobsCannotPause) {
  for (const auto mode : {Mode::async, Mode::buffered}) {
    auto in = inputs();
    in.spec.collab.mode = mode;
    auto core = make_job_core(std::move(in));
    EXPECT_FALSE(core->request_pause()) << to_string(mode);
    EXPECT_FALSE(core->pause_requested());
  }
}
