// The contract every job core keeps (runtime/scheduling/job_core.hpp), run
// over each mode the factory knows. A small driver plays the scheduler actor:
// it carries out the steps, answers tasks, loses nodes, and checks on every
// step that the core only ever names nodes of its view.

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
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
  /// `mode`: a mode the factory knows; with "_joint" appended, the driver
  /// places the core's runnable tasks itself (JobCoreInputs::joint), as the
  /// scheduler does on shared nodes: round-robin over each task's nodes.
  explicit Driver(const std::string& param) {
    const auto cut = param.find("_joint");
    joint_ = cut != std::string::npos;
    const auto mode = param.substr(0, cut);
    for (int i = 1; i <= kNodes; ++i) view_.push_back({"node-" + std::to_string(i)});
    JobCoreInputs in;
    in.joint = joint_;
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

  /// Carries out `steps`; once the outermost call is through, places what
  /// the core left runnable (joint), as the scheduler does after each event.
  void apply(const Steps& steps) {
    ++depth_;
    carry_out(steps);
    if (--depth_ > 0 || !joint_) return;
    const auto runnable = core_->runnable();
    if (runnable.empty()) return;
    std::map<std::int64_t, std::string> node_of;
    std::size_t k = 0;
    for (const auto& r : runnable)
      if (!r.nodes.empty()) node_of[r.id] = r.nodes[k++ % r.nodes.size()];
    apply(core_->place(node_of, now_));
  }

  void carry_out(const Steps& steps) {
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
          apply(core_->aggregated(
              {++version_, true, 1000 + static_cast<std::uint64_t>(version_), 0.0, {}}, now_));
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

  bool joint_ = false;
  int depth_ = 0;
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

/// Every mode, and the synchronous one placed jointly by its driver
/// (asynchronous cores place their own tasks either way).
std::vector<std::string> contract_params() {
  auto out = job_core_modes();
  out.push_back("sync_joint");
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryMode, JobCoreContract, ::testing::ValuesIn(contract_params()),
                         [](const auto& info) { return info.param; });

/// A synchronous core whose driver places its tasks (JobCoreInputs::joint),
/// with `shards` shards of `examples` each, on `nodes` (default: node-1..3).
std::unique_ptr<JobCore> joint_core(
    int shards = kNodes, std::vector<NodeInfo> nodes = {{"node-1"}, {"node-2"}, {"node-3"}},
    std::int64_t examples = 100) {
  JobCoreInputs in;
  in.spec.nodes = shards;
  in.spec.rounds = kRounds;
  in.spec.cluster.policy = "priority";
  in.shard_sizes.assign(static_cast<std::size_t>(shards), examples);
  in.test_size = 50;
  in.nodes = [nodes] { return UsableNodes{nodes, ""}; };
  in.joint = true;
  return make_job_core(std::move(in));
}

/// Every node at the reference speed.
double reference_speed(const std::string&) {
  return 1.0;
}

/// Carries out `steps` the way the scheduler sends them: each task is sent.
void send(JobCore& core, const Steps& steps) {
  for (const auto& s : steps)
    if (s.kind == Step::Kind::train || s.kind == Step::Kind::evaluate)
      core.task_started(s.task, 1.0);
}

TEST(JobCoreJoint, ARoundsTrainingTasksWaitForTheDriversPlacement) {
  auto core = joint_core();
  for (const auto& s : core->start(0.0)) EXPECT_NE(s.kind, Step::Kind::train);
  const auto runnable = core->runnable();
  ASSERT_EQ(runnable.size(), static_cast<std::size_t>(kNodes));
  std::map<std::int64_t, std::string> node_of;
  for (const auto& r : runnable) {
    EXPECT_EQ(r.nodes.size(), static_cast<std::size_t>(kNodes));
    EXPECT_EQ(r.examples, 100.0);
    node_of[r.id] = "node-2";  // all on one node: the driver decides
  }
  int trains = 0;
  for (const auto& s : core->place(node_of, 0.5)) {
    ASSERT_EQ(s.kind, Step::Kind::train);
    EXPECT_EQ(s.node, "node-2");
    EXPECT_EQ(core->task(s.task).state, TaskState::assigned);
    ++trains;
  }
  EXPECT_EQ(trains, kNodes);
  EXPECT_TRUE(core->runnable().empty());
}

TEST(JobCoreJoint, ATaskThePlacementLeavesOutIsPlacedByTheJobOnAnotherNode) {
  auto core = joint_core();
  core->start(0.0);
  const auto runnable = core->runnable();
  ASSERT_EQ(runnable.size(), static_cast<std::size_t>(kNodes));
  std::map<std::int64_t, std::string> node_of;
  for (std::size_t i = 1; i < runnable.size(); ++i) node_of[runnable[i].id] = "node-1";
  std::set<int> shards;
  int trains = 0;
  for (const auto& s : core->place(node_of, 0.5)) {
    ASSERT_EQ(s.kind, Step::Kind::train);
    shards.insert(s.shard);
    ++trains;
  }
  // The left-out task failed ("no node can train shard ...") and its shard
  // went out again: every shard of the round is trained.
  EXPECT_EQ(trains, kNodes);
  EXPECT_EQ(shards.size(), static_cast<std::size_t>(kNodes));
  EXPECT_EQ(core->task(runnable[0].id).state, TaskState::failed);
  EXPECT_NE(core->task(runnable[0].id).error.find("found no node"), std::string::npos);
}

TEST(JobCoreJoint, AFailedTaskRunsAgainOnItsNodeWhenItIsTheOnlyFreeOne) {
  auto core = joint_core(1, {{"node-1"}});
  core->start(0.0);
  const auto runnable = core->runnable();
  ASSERT_EQ(runnable.size(), 1u);
  const auto first = core->place({{runnable[0].id, "node-1"}}, 0.5);
  ASSERT_EQ(first.size(), 1u);
  core->task_started(first[0].task, 0.5);
  const auto again = core->task_failed(first[0].task, 1.0, "update refused");
  ASSERT_EQ(again.size(), 1u) << "the shard is not given up";
  EXPECT_EQ(again[0].kind, Step::Kind::train);
  EXPECT_EQ(again[0].node, "node-1");
  EXPECT_EQ(again[0].shard, first[0].shard);
}

TEST(JobCoreJoint, ThePinnedShardsTaskFailingBeforeThePlacementDoesNotCloseTheRound) {
  // node-1 holds shard 0 only; shard 1 waits for the driver's placement.
  auto core = joint_core(2, {{"node-1", 1.0, 0}, {"node-2"}});
  const auto steps = core->start(0.0);
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_EQ(steps[0].node, "node-1");
  ASSERT_EQ(core->runnable().size(), 1u);
  core->task_started(steps[0].task, 0.0);
  // Its node is gone before the placement: no other node holds shard 0.
  for (const auto& s : core->task_failed(steps[0].task, 0.1, "no such node"))
    EXPECT_NE(s.kind, Step::Kind::failed) << s.reason;
  EXPECT_FALSE(core->ended());
  const auto placed = core->place({{core->runnable()[0].id, "node-2"}}, 0.2);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].kind, Step::Kind::train);
  EXPECT_EQ(placed[0].node, "node-2");
}

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

TEST(JointStep, ANodeHoldingAHigherJobsTaskIsLeftOutOfALowerJobsRound) {
  const auto policy = make_allocator("exact");
  // The higher job (priority 2, one shard of 300 examples) runs on node-1 alone.
  auto high = joint_core(1, {{"node-1"}}, 300);
  auto low = joint_core(2, {{"node-1"}, {"node-2"}});
  high->start(0.0);
  std::vector<JointJob> jobs{{high.get(), 2.0, false, reference_speed},
                             {low.get(), 1.0, false, reference_speed}};
  auto plan = plan_joint_step(jobs, *policy);
  ASSERT_EQ(plan.jobs, 1u);
  send(*high, high->place(plan.node_of[0], 1.0));
  // The lower job's round comes while that task is out: 300 examples held
  // on node-1, and its own two tasks of 100 go to node-2.
  low->start(2.0);
  plan = plan_joint_step(jobs, *policy);
  ASSERT_EQ(plan.jobs, 1u);
  ASSERT_EQ(plan.node_of[1].size(), 2u);
  for (const auto& [id, node] : plan.node_of[1]) EXPECT_EQ(node, "node-2") << "task " << id;
  // node-1 holds 300 where all the work, spread, would end after 250: no room.
  EXPECT_DOUBLE_EQ(plan.step.room_s[0], 0.0);

  // The same round beside a lower job's task instead: that one does not
  // delay it (the node runs the higher task first), so both nodes take one.
  auto high2 = joint_core(2, {{"node-1"}, {"node-2"}});
  auto low2 = joint_core(1, {{"node-1"}}, 300);  // counted, it would push both to node-2
  low2->start(0.0);
  std::vector<JointJob> jobs2{{high2.get(), 2.0, false, reference_speed},
                              {low2.get(), 1.0, false, reference_speed}};
  send(*low2, low2->place(plan_joint_step(jobs2, *policy).node_of[1], 1.0));
  high2->start(2.0);
  const auto plan2 = plan_joint_step(jobs2, *policy);
  std::set<std::string> used;
  for (const auto& [id, node] : plan2.node_of[0]) used.insert(node);
  EXPECT_EQ(used, (std::set<std::string>{"node-1", "node-2"}));

  // Once the lower task computes, it holds its node (the higher job has no
  // --preempt): the round goes around it.
  auto high3 = joint_core(2, {{"node-1"}, {"node-2"}});
  auto low3 = joint_core(1, {{"node-1"}}, 300);
  low3->start(0.0);
  std::vector<JointJob> jobs3{{high3.get(), 2.0, false, reference_speed},
                              {low3.get(), 1.0, false, reference_speed}};
  const auto plan3 = plan_joint_step(jobs3, *policy);
  for (const auto& s : low3->place(plan3.node_of[1], 1.0)) {
    low3->task_started(s.task, 1.0);
    low3->task_computing(s.task, 1.5);
  }
  high3->start(2.0);
  const auto around = plan_joint_step(jobs3, *policy);
  ASSERT_EQ(around.node_of[0].size(), 2u);
  for (const auto& [id, node] : around.node_of[0]) EXPECT_EQ(node, "node-2") << "task " << id;
  // With --preempt it would stop that task: node-1 takes one again.
  jobs3[0].preempt = true;
  used.clear();
  const auto stopping = plan_joint_step(jobs3, *policy);
  for (const auto& [id, node] : stopping.node_of[0]) used.insert(node);
  EXPECT_EQ(used, (std::set<std::string>{"node-1", "node-2"}));
}

TEST(JointStep, RunnableTasksOfTwoJobsArePlacedInOneAllocation) {
  const auto policy = make_allocator("exact");
  auto a = joint_core(2, {{"node-1"}, {"node-2"}});
  auto b = joint_core(2, {{"node-1"}, {"node-2"}});
  a->start(0.0);
  b->start(0.0);
  // Node-2 is twice as fast for b's model, at the reference speed for a's.
  std::vector<JointJob> jobs{
      {a.get(), 3.0, false, reference_speed},
      {b.get(), 1.0, false, [](const std::string& id) { return id == "node-2" ? 2.0 : 1.0; }}};
  const auto plan = plan_joint_step(jobs, *policy);
  EXPECT_EQ(plan.jobs, 2u);
  EXPECT_EQ(plan.tasks, 4u);
  ASSERT_EQ(plan.node_of[0].size(), 2u);
  ASSERT_EQ(plan.node_of[1].size(), 2u);
  // The policy placed all four, weighted by their jobs' priorities.
  EXPECT_EQ(plan.step.by_policy, 4u);
  EXPECT_DOUBLE_EQ(plan.step.objective, 3.0 + 3.0 + 1.0 + 1.0);
  for (int j = 0; j < 2; ++j) {
    auto& core = j == 0 ? *a : *b;
    const auto steps = core.place(plan.node_of[static_cast<std::size_t>(j)], 1.0);
    EXPECT_EQ(steps.size(), 2u);
    EXPECT_TRUE(core.runnable().empty());
  }
}

}  // namespace
