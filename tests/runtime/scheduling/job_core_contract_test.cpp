// The contract every job core keeps (runtime/scheduling/job_core.hpp), run
// over each mode the factory knows. A small driver plays the scheduler actor:
// it carries out the steps, answers tasks, loses nodes, and checks on every
// step that the core only ever names nodes of its view.

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <string>

#include "runtime/scheduling/job_core.hpp"

using namespace troupe::runtime;

namespace {

constexpr int kNodes = 3;
constexpr int kRounds = 2;

/// Plays the scheduler actor against one core, without a transport.
class Driver {
 public:
  explicit Driver(const std::string& mode) {
    for (int i = 1; i <= kNodes; ++i) view_.push_back({"node-" + std::to_string(i)});
    JobCoreInputs in;
    in.spec.collab.mode = *parse_enum<Mode>(mode);
    in.spec.nodes = kNodes;
    in.spec.rounds = kRounds;
    in.spec.cluster.policy = "priority";
    in.shard_sizes.assign(kNodes, 100);
    in.test_size = 50;
    in.nodes = [this] { return UsableNodes{view_, ""}; };
    core_ = make_job_core(std::move(in));
  }

  void start() { apply(core_->start(now_)); }

  /// Answers in-flight tasks in order until the job ends or nothing moves;
  /// `fail_next` of them fail instead of succeeding.
  void run(int fail_next = 0) {
    for (int guard = 0; !final_ && guard < 10000; ++guard) {
      if (in_flight_.empty()) {
        now_ += 100.0;
        const auto steps = core_->tick(now_);
        if (steps.empty()) return;  // nothing moves any more
        apply(steps);
        continue;
      }
      const Step s = in_flight_.front();
      in_flight_.pop_front();
      now_ += 1.0;
      if (fail_next > 0) {
        --fail_next;
        apply(core_->task_failed(s.task, now_, "injected failure"));
      } else if (s.kind == Step::Kind::train) {
        TrainResult r;
        r.samples = 100;
        r.loss = 0.5;
        r.busy_s = 1.0;
        r.receipt.accepted = true;
        r.receipt.version = ++version_;
        r.receipt.new_version = true;
        r.receipt.fingerprint = 1000 + static_cast<std::uint64_t>(version_);
        apply(core_->train_done(s.task, now_, r));
      } else {
        troupe::models::ClassificationMetrics m;
        m.accuracy = 0.5;
        apply(core_->evaluated(s.task, now_, m));
      }
    }
  }

  /// `node` drops out: the view no longer lists it and its tasks never answer.
  void lose(const std::string& node) {
    view_.erase(
        std::remove_if(view_.begin(), view_.end(), [&](const NodeInfo& n) { return n.id == node; }),
        view_.end());
    in_flight_.erase(std::remove_if(in_flight_.begin(), in_flight_.end(),
                                    [&](const Step& s) { return s.node == node; }),
                     in_flight_.end());
    apply(core_->node_lost(node, now_, "test"));
  }

  JobCore& core() { return *core_; }
  const std::optional<Step>& final_step() const { return final_; }
  int announced() const { return announced_; }
  int started() const { return started_; }
  std::size_t in_flight() const { return in_flight_.size(); }
  /// Tasks of `kind` in `state`.
  int count(TaskKind kind, TaskState state) const {
    int n = 0;
    for (const auto& t : core_->tracker().tasks()) n += t.kind == kind && t.state == state;
    return n;
  }
  bool every_task_ended() const {
    for (const auto& t : core_->tracker().tasks())
      if (!t.terminal()) return false;
    return true;
  }

 private:
  bool known(const std::string& node) const {
    return std::any_of(view_.begin(), view_.end(), [&](const NodeInfo& n) { return n.id == node; });
  }

  void apply(const Steps& steps) {
    for (const auto& s : steps) {
      ASSERT_FALSE(final_) << "a step after the final one: " << to_string(s.kind);
      switch (s.kind) {
        case Step::Kind::train:
        case Step::Kind::evaluate:
          ASSERT_TRUE(known(s.node))
              << to_string(s.kind) << " task " << s.task << " on unknown node '" << s.node << "'";
          ASSERT_TRUE(core_->open(s.task));
          EXPECT_EQ(core_->task(s.task).node, s.node);
          core_->task_started(s.task, now_);
          ++started_;
          in_flight_.push_back(s);
          if (s.kind == Step::Kind::train) apply(core_->task_computing(s.task, now_));
          break;
        case Step::Kind::wake:
          EXPECT_GE(s.at, now_) << "a wake in the past";
          break;
        case Step::Kind::aggregate:
        case Step::Kind::flush:
          apply(core_->aggregated({++version_, true, 1000 + static_cast<std::uint64_t>(version_)},
                                  now_));
          break;
        case Step::Kind::checkpoint:
          apply(core_->checkpointed(now_));
          break;
        case Step::Kind::announce:
          ++announced_;
          break;
        case Step::Kind::release:
          break;
        case Step::Kind::done:
        case Step::Kind::failed:
        case Step::Kind::degraded:
        case Step::Kind::paused:
          final_ = s;
          break;
      }
    }
  }

  std::vector<NodeInfo> view_;
  std::unique_ptr<JobCore> core_;
  std::deque<Step> in_flight_;
  std::optional<Step> final_;
  Seconds now_ = 0.0;
  std::int64_t version_ = 0;
  int announced_ = 0;
  int started_ = 0;
};

class JobCoreContract : public ::testing::TestWithParam<std::string> {};

TEST_P(JobCoreContract, AJobCompletesWithEveryTaskAccountedFor) {
  Driver d(GetParam());
  d.start();
  d.run();
  ASSERT_TRUE(d.final_step());
  EXPECT_EQ(d.final_step()->kind, Step::Kind::done) << d.final_step()->reason;
  EXPECT_TRUE(d.every_task_ended());
  EXPECT_EQ(d.count(TaskKind::train, TaskState::done), kRounds * kNodes);
  EXPECT_EQ(d.count(TaskKind::evaluate, TaskState::done), kRounds);
  EXPECT_EQ(d.announced(), kRounds);
  EXPECT_EQ(d.core().rounds().size(), static_cast<std::size_t>(kRounds));
  EXPECT_NE(d.core().fingerprint(), 0u);
}

TEST_P(JobCoreContract, AFailedTaskIsRunAgainAndTheJobStillCompletes) {
  Driver d(GetParam());
  d.start();
  d.run(/*fail_next=*/1);
  ASSERT_TRUE(d.final_step());
  EXPECT_EQ(d.final_step()->kind, Step::Kind::done) << d.final_step()->reason;
  EXPECT_EQ(d.count(TaskKind::train, TaskState::failed), 1);
  EXPECT_EQ(d.count(TaskKind::train, TaskState::done), kRounds * kNodes);
  EXPECT_TRUE(d.every_task_ended());
}

TEST_P(JobCoreContract, ALostNodesTasksFailAndTheWorkContinuesOnTheOthers) {
  Driver d(GetParam());
  d.start();
  d.lose("node-1");
  d.run();
  ASSERT_TRUE(d.final_step());
  EXPECT_EQ(d.final_step()->kind, Step::Kind::done) << d.final_step()->reason;
  int failed_on_lost = 0;
  for (const auto& t : d.core().tracker().tasks()) {
    if (t.node != "node-1") continue;
    EXPECT_EQ(t.state, TaskState::failed) << "task " << t.id;
    EXPECT_NE(t.error.find("node node-1 lost"), std::string::npos) << t.error;
    ++failed_on_lost;
  }
  EXPECT_GE(failed_on_lost, 1);
  EXPECT_TRUE(d.every_task_ended());
}

TEST_P(JobCoreContract, TheJobFailsWithAReasonWhenNoNodeIsLeft) {
  Driver d(GetParam());
  d.start();
  for (int i = 1; i <= kNodes && !d.final_step(); ++i) d.lose("node-" + std::to_string(i));
  d.run();
  ASSERT_TRUE(d.final_step());
  EXPECT_EQ(d.final_step()->kind, Step::Kind::failed);
  EXPECT_FALSE(d.final_step()->reason.empty());
  EXPECT_EQ(d.core().report(1.0, troupe::runtime::RunStatus::failed, d.final_step()->reason).status,
            RunStatus::failed);
}

TEST_P(JobCoreContract, TheJobFailsWhenEveryTaskFailsEverywhere) {
  Driver d(GetParam());
  d.start();
  d.run(/*fail_next=*/1000);
  ASSERT_TRUE(d.final_step());
  EXPECT_EQ(d.final_step()->kind, Step::Kind::failed);
  EXPECT_FALSE(d.final_step()->reason.empty());
}

TEST_P(JobCoreContract, StepsNeverNameANodeOutsideTheView) {
  // The driver checks every train and evaluate step against the view; here the
  // view shrinks in the middle of the job.
  Driver d(GetParam());
  d.start();
  ASSERT_GT(d.started(), 0);
  d.lose("node-2");
  d.run();
  ASSERT_TRUE(d.final_step());
  EXPECT_EQ(d.final_step()->kind, Step::Kind::done) << d.final_step()->reason;
}

TEST_P(JobCoreContract, AnAnswerForATaskThatAlreadyFailedIsIgnored) {
  Driver d(GetParam());
  d.start();
  const auto& tasks = d.core().tracker().tasks();
  ASSERT_FALSE(tasks.empty());
  const auto id = tasks.front().id;
  d.core().task_failed(id, 1.0, "timed out");
  EXPECT_FALSE(d.core().open(id));
  EXPECT_TRUE(d.core().task_failed(id, 2.0, "timed out again").empty());
  EXPECT_EQ(d.core().task(id).state, TaskState::failed);
}

TEST_P(JobCoreContract, APauseEndsTheJobAfterACheckpointOrIsRefused) {
  Driver d(GetParam());
  const bool accepted = d.core().request_pause();
  EXPECT_EQ(accepted, d.core().pause_requested());
  d.start();
  d.run();
  ASSERT_TRUE(d.final_step());
  if (!accepted) {  // the job runs to its end as if nothing was asked
    EXPECT_EQ(d.final_step()->kind, Step::Kind::done) << d.final_step()->reason;
    return;
  }
  EXPECT_EQ(d.final_step()->kind, Step::Kind::paused) << d.final_step()->reason;
  EXPECT_EQ(d.final_step()->round, 1);
  EXPECT_LT(d.announced(), kRounds);
  EXPECT_TRUE(d.every_task_ended());
  EXPECT_TRUE(d.core().ended());
}

TEST_P(JobCoreContract, AfterTheFinalStepTheCoreIsSilent) {
  Driver d(GetParam());
  d.start();
  d.run();
  ASSERT_TRUE(d.final_step());
  EXPECT_TRUE(d.core().ended());
  EXPECT_TRUE(d.core().tick(1e6).empty());
  EXPECT_TRUE(d.core().nodes_changed(1e6).empty());
}

TEST_P(JobCoreContract, NoTaskIsLeftRunningWhenTheJobIsDone) {
  Driver d(GetParam());
  d.start();
  d.run();
  ASSERT_TRUE(d.final_step());
  EXPECT_EQ(d.in_flight(), 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryMode, JobCoreContract, ::testing::ValuesIn(job_core_modes()),
                         [](const auto& info) { return info.param; });

TEST(JobCoreFactory, RefusesAnUnknownPolicy) {
  JobCoreInputs in;
  in.spec.cluster.policy = "no-such-policy";
  in.shard_sizes = {100};
  in.nodes = [] { return UsableNodes{{{"n1"}}, ""}; };
  EXPECT_THROW(make_job_core(std::move(in)), std::invalid_argument);
}

TEST(JobCoreFactory, KnowsEveryModeTheJobCanName) {
  for (const auto& mode : job_core_modes()) EXPECT_TRUE(parse_enum<Mode>(mode)) << mode;
}

TEST(JobCoreFactory, LabelsTheCollaborationSchemeByMode) {
  JobSpec spec;
  spec.collab.strategy = "fedavg";
  EXPECT_EQ(collaboration_label(spec), "fedavg");
  spec.collab.mode = troupe::runtime::Mode::async;
  EXPECT_EQ(collaboration_label(spec), "fedasync");
  spec.collab.mode = troupe::runtime::Mode::buffered;
  EXPECT_EQ(collaboration_label(spec), "fedbuff");
}

}  // namespace
