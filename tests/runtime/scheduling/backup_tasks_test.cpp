// Backup tasks for stragglers (--backup-after): the rule that picks them
// (Spark's speculative execution: a quantile of the round finished, a
// multiplier of the median duration), and the sync core starting a copy on an
// idle node, taking the first result and cancelling the other copy.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "runtime/scheduling/backup_tasks.hpp"
#include "runtime/scheduling/job_core.hpp"

using namespace troupe::runtime;

TEST(BackupRule, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median_of({}), 0.0);
  EXPECT_DOUBLE_EQ(median_of({3.0, 1.0, 2.0}), 2.0);
  EXPECT_DOUBLE_EQ(median_of({4.0, 1.0, 2.0, 3.0}), 2.5);
}

TEST(BackupRule, NoStragglerBeforeAQuantileOfTheRoundFinished) {
  BackupRule rule;  // 1.5 x median, 0.75 of the round, 100 ms
  const std::vector<RunningTask> running{{7, 0.0}, {8, 0.0}};
  // 2 of 4 finished: under 0.75 x 4 = 3, however long the others run.
  EXPECT_TRUE(stragglers({1.0, 1.0}, running, 4, 100.0, rule).empty());
  // 3 of 4 finished: the rule applies.
  EXPECT_EQ(stragglers({1.0, 1.0, 1.0}, running, 4, 100.0, rule),
            (std::vector<std::int64_t>{7, 8}));
}

TEST(BackupRule, AStragglerRunsLongerThanTheMultiplierTimesTheMedian) {
  BackupRule rule;
  rule.multiplier = 2.0;
  const std::vector<Seconds> finished{1.0, 2.0, 9.0};  // median 2: threshold 4
  const std::vector<RunningTask> running{{1, 1.0}, {2, 0.0}, {3, 2.5}};
  // At 5.0 task 2 ran 5 s and task 1 4 s (not more than 4); task 3 2.5 s.
  EXPECT_EQ(stragglers(finished, running, 4, 5.0, rule), (std::vector<std::int64_t>{2}));
  // At 7.0 tasks 2 (7 s) and 1 (6 s), the longest running first; 3 ran 4.5 s.
  EXPECT_EQ(stragglers(finished, running, 4, 7.0, rule), (std::vector<std::int64_t>{2, 1, 3}));
}

TEST(BackupRule, ShortTasksNeverGetABackupBeforeTheMinimumRunTime) {
  BackupRule rule;
  const std::vector<Seconds> finished{0.01, 0.01, 0.01};  // 1.5 x median = 15 ms
  const std::vector<RunningTask> running{{5, 0.0}};
  EXPECT_TRUE(stragglers(finished, running, 4, 0.09, rule).empty());
  EXPECT_EQ(stragglers(finished, running, 4, 0.11, rule), (std::vector<std::int64_t>{5}));
  rule.multiplier = 0.0;  // off
  EXPECT_TRUE(stragglers(finished, running, 4, 10.0, rule).empty());
}

TEST(BackupRule, TheOptionIsZeroOrAtLeastOneAndNotWithSecureAggregation) {
  JobSpec job;
  EXPECT_EQ(job.validate(), "");
  job.sync.backup_after = 1.5;
  EXPECT_EQ(job.validate(), "");
  for (double bad : {0.5, -1.0, std::nan(""), 1.0 / 0.0}) {
    job.sync.backup_after = bad;
    EXPECT_NE(job.validate().find("--backup-after must be 0"), std::string::npos) << bad;
  }
  job.sync.backup_after = 2.0;
  job.privacy.secure_aggregation = true;
  EXPECT_NE(job.validate().find("does not combine with --backup-after"), std::string::npos)
      << job.validate();
}

TEST(BackupRule, ADeadlineMakesATaskLateWhateverItsPeersDid) {
  BackupRule rule;
  rule.multiplier = 0.0;  // the median rule off: the deadline alone
  rule.deadline = 2.0;
  const std::vector<RunningTask> running{{1, 0.0}, {2, 1.5}};
  // Nobody finished: the median rule could not fire, the deadline does.
  EXPECT_TRUE(stragglers({}, running, 4, 2.0, rule).empty()) << "at, not past, the deadline";
  EXPECT_EQ(stragglers({}, running, 4, 2.1, rule), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(stragglers({}, running, 4, 3.6, rule), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(next_straggler_at({}, running, 4, 0.5, rule), 2.0);
  EXPECT_EQ(next_straggler_at({}, running, 4, 2.1, rule), 3.5);
  // With both rules a task is late at the earlier limit: median 1 x 1.5 here.
  rule.multiplier = 1.5;
  EXPECT_EQ(next_straggler_at({1.0, 1.0, 1.0}, running, 4, 0.5, rule), 1.5);
  rule.deadline = 1.0;
  EXPECT_EQ(next_straggler_at({1.0, 1.0, 1.0}, running, 4, 0.5, rule), 1.0);
  // Never before the minimum run time, as the median rule.
  rule.deadline = 0.01;
  const std::vector<RunningTask> young{{9, 0.0}};
  EXPECT_TRUE(stragglers({}, young, 4, 0.05, rule).empty());
  EXPECT_EQ(stragglers({}, young, 4, 0.11, rule), (std::vector<std::int64_t>{9}));
}

TEST(BackupRule, TheDeadlineIsZeroOrPositiveAndBelowTheTaskTimeout) {
  JobSpec job;
  job.sync.task_deadline_s = 30.0;
  EXPECT_EQ(job.validate(), "");
  for (double bad : {-1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    job.sync.task_deadline_s = bad;
    EXPECT_NE(job.validate().find("--task-deadline must be 0"), std::string::npos) << bad;
  }
  job.sync.task_deadline_s = 30.0;
  job.cluster.task_timeout_s = 30.0;
  EXPECT_NE(job.validate().find("--task-deadline 30 must be below --task-timeout 30"),
            std::string::npos)
      << job.validate();
  job.cluster.task_timeout_s = 60.0;
  job.privacy.secure_aggregation = true;
  EXPECT_NE(job.validate().find("does not combine with --task-deadline"), std::string::npos)
      << job.validate();
}

namespace {

/// A sync job of four shards on four equal nodes (or `nodes`) whose tasks the test answers
/// one by one; aggregations and evaluations are answered at once. Like a real node, each
/// node computes one task at a time, and at most `slots` compute at once (embedded nodes
/// share the machine's cores): a task's node says it computes when it gets its turn,
/// except for the shards in `silent`.
struct Round {
  static std::vector<NodeInfo> four_nodes() {
    return {{"node-0", 1.0}, {"node-1", 1.0}, {"node-2", 1.0}, {"node-3", 1.0}};
  }
  static constexpr std::size_t kAnySlots = 1000;
  std::vector<NodeInfo> view;
  std::size_t slots;
  std::set<int> silent;
  std::unique_ptr<JobCore> core;
  std::map<std::int64_t, Step> training;  ///< train steps sent and not answered
  std::vector<std::int64_t> waiting;      ///< of those, not computing yet, in the order sent
  std::set<std::int64_t> computing;       ///< of those, computing
  std::vector<Step> released;
  std::vector<std::vector<std::int64_t>> aggregated;  ///< each aggregate step's tasks
  std::vector<Seconds> wakes;                         ///< each wake step's time
  std::optional<Step> final_step;
  Seconds now = 0.0;
  std::int64_t version = 0;

  explicit Round(double backup_after, int rounds = 1, std::vector<NodeInfo> nodes = four_nodes(),
                 std::size_t compute_slots = kAnySlots, std::set<int> silent_shards = {},
                 double task_deadline = 0.0)
      : view(std::move(nodes)), slots(compute_slots), silent(std::move(silent_shards)) {
    JobCoreInputs in;
    in.spec.nodes = 4;
    in.spec.rounds = rounds;
    in.spec.sync.backup_after = backup_after;
    in.spec.sync.task_deadline_s = task_deadline;
    in.shard_sizes.assign(4, 100);
    in.test_size = 50;
    in.nodes = [this] { return UsableNodes{view, ""}; };
    core = make_job_core(std::move(in));
    apply(core->start(now));
  }

  void apply(const Steps& steps) {
    for (const auto& s : steps) {
      switch (s.kind) {
        case Step::Kind::train:
          core->task_started(s.task, now);
          training.emplace(s.task, s);
          waiting.push_back(s.task);
          break;
        case Step::Kind::evaluate:
          core->task_started(s.task, now);
          apply(core->evaluated(s.task, now, {}));
          break;
        case Step::Kind::aggregate: {
          aggregated.push_back(s.tasks);
          AggregationResult result;
          result.version = ++version;
          result.changed = true;
          apply(core->aggregated(result, now));
          break;
        }
        case Step::Kind::release:
          released.push_back(s);
          break;
        case Step::Kind::wake:
          EXPECT_GE(s.at, now);
          wakes.push_back(s.at);
          break;
        case Step::Kind::done:
        case Step::Kind::failed:
        case Step::Kind::degraded:
        case Step::Kind::paused:
          final_step = s;
          break;
        default:
          break;
      }
    }
    turns();
  }

  /// Waiting tasks whose node is free and who find a slot begin computing, in the order sent.
  void turns() {
    for (std::size_t i = 0; i < waiting.size();) {
      const auto id = waiting[i];
      const auto& node = training.at(id).node;
      const bool node_busy = std::any_of(computing.begin(), computing.end(), [&](auto other) {
        return core->task(other).node == node;
      });
      if (node_busy || computing.size() >= slots) {
        ++i;
        continue;
      }
      waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(i));
      computing.insert(id);
      if (!silent.count(training.at(id).shard)) apply(core->task_computing(id, now));
      i = 0;
    }
  }

  /// Task `id` no longer occupies its node (it answered, or its node is gone).
  void forget(std::int64_t id) {
    training.erase(id);
    computing.erase(id);
    waiting.erase(std::remove(waiting.begin(), waiting.end(), id), waiting.end());
  }

  /// The train step in flight for `shard` on `node`.
  std::int64_t task_of(int shard, const std::string& node) const {
    for (const auto& [id, s] : training)
      if (s.shard == shard && s.node == node) return id;
    return -1;
  }
  std::string node_of_shard(int shard) const {
    for (const auto& [id, s] : training)
      if (s.shard == shard) return s.node;
    return {};
  }

  void deliver(std::int64_t id) {
    TrainResult r;
    r.samples = 100;
    r.receipt.accepted = true;
    forget(id);
    apply(core->train_done(id, now, r));
  }
  void tick(Seconds at) {
    now = at;
    apply(core->tick(now));
  }
  /// Shards 0-2 deliver at t = 1; shard 3's task is left running.
  std::int64_t three_deliver() {
    now = 1.0;
    std::int64_t straggler = -1;
    for (const auto& [id, s] : std::map<std::int64_t, Step>(training)) {
      if (s.shard == 3)
        straggler = id;
      else
        deliver(id);
    }
    return straggler;
  }
  /// Training tasks of shard 3 so far (attempts and copies).
  std::size_t shard3_tasks() const {
    std::size_t n = 0;
    for (const auto& t : core->tracker().tasks())
      if (t.kind == TaskKind::train && t.shard == 3) ++n;
    return n;
  }
  /// three_deliver(), then a tick at 2 s starts the straggler's backup: {straggler, backup}.
  std::pair<std::int64_t, std::int64_t> backed_up_straggler() {
    const auto straggler = three_deliver();
    tick(2.0);
    return {straggler, backup_id()};
  }
  std::int64_t backup_id() const {
    for (const auto& t : core->tracker().tasks())
      if (t.backup_of >= 0) return t.id;
    return -1;
  }
};

}  // namespace

TEST(BackupTasks, AStragglerGetsABackupOnAnIdleNodeWhichWinsAndCancelsIt) {
  Round r(1.5);
  ASSERT_EQ(r.training.size(), 4U);
  const auto slow_node = r.node_of_shard(3);
  const auto straggler = r.three_deliver();
  // Median 1 s: not a straggler at 1.4 s, one at 1.6 s.
  r.tick(1.4);
  EXPECT_EQ(r.backup_id(), -1);
  r.tick(1.6);
  const auto backup = r.backup_id();
  ASSERT_GE(backup, 0);
  const auto& copy = r.core->task(backup);
  EXPECT_EQ(copy.backup_of, straggler);
  EXPECT_EQ(copy.shard, 3);
  EXPECT_EQ(copy.seed, r.core->task(straggler).seed);  // the same work, so the same update
  EXPECT_NE(copy.node, slow_node);
  ASSERT_TRUE(r.training.count(backup));
  // Only one copy per shard and round.
  r.tick(5.0);
  EXPECT_EQ(r.training.size(), 2U);

  r.now = 5.5;
  r.deliver(backup);
  ASSERT_TRUE(r.final_step);
  EXPECT_EQ(r.final_step->kind, Step::Kind::done) << r.final_step->reason;
  // The straggler is cancelled (its node released) and the backup's update aggregated.
  ASSERT_EQ(r.released.size(), 1U);
  EXPECT_EQ(r.released[0].task, straggler);
  EXPECT_EQ(r.released[0].node, slow_node);
  const auto& cancelled = r.core->task(straggler);
  EXPECT_EQ(cancelled.state, TaskState::failed);
  EXPECT_EQ(cancelled.error.rfind("cancelled: its backup task", 0), 0U) << cancelled.error;
  ASSERT_EQ(r.aggregated.size(), 1U);
  auto agg = r.aggregated[0];
  EXPECT_EQ(agg.size(), 4U);
  EXPECT_NE(std::find(agg.begin(), agg.end(), backup), agg.end());
  EXPECT_EQ(std::find(agg.begin(), agg.end(), straggler), agg.end());
  const auto& rec = r.core->rounds().at(0);
  EXPECT_EQ(rec.updates, 4);
  EXPECT_EQ(rec.failed, 0);
  EXPECT_TRUE(rec.lost_shards.empty());
  EXPECT_EQ(rec.backups, 1);
  EXPECT_EQ(rec.backups_won, 1);
}

TEST(BackupTasks, WhenTheStragglerDeliversFirstTheBackupIsCancelled) {
  Round r(1.5);
  const auto [straggler, backup] = r.backed_up_straggler();
  ASSERT_GE(backup, 0);
  r.now = 2.5;
  r.deliver(straggler);
  ASSERT_TRUE(r.final_step);
  EXPECT_EQ(r.final_step->kind, Step::Kind::done);
  ASSERT_EQ(r.released.size(), 1U);
  EXPECT_EQ(r.released[0].task, backup);
  EXPECT_EQ(r.core->task(backup).state, TaskState::failed);
  auto agg = r.aggregated.at(0);
  EXPECT_NE(std::find(agg.begin(), agg.end(), straggler), agg.end());
  EXPECT_EQ(std::find(agg.begin(), agg.end(), backup), agg.end());
  EXPECT_EQ(r.core->rounds().at(0).backups, 1);
  EXPECT_EQ(r.core->rounds().at(0).backups_won, 0);
  // The cancelled copy's late answer changes nothing.
  r.deliver(backup);
  EXPECT_EQ(r.core->rounds().at(0).updates, 4);
}

TEST(BackupTasks, AStragglerLostWithItsNodeIsNotReplacedWhileItsBackupRuns) {
  Round r(1.5);
  const auto [straggler, backup] = r.backed_up_straggler();
  const auto slow_node = r.core->task(straggler).node;
  ASSERT_GE(backup, 0);
  ASSERT_EQ(r.shard3_tasks(), 2U);
  r.view.erase(std::remove_if(r.view.begin(), r.view.end(),
                              [&](const NodeInfo& n) { return n.id == slow_node; }),
               r.view.end());
  r.forget(straggler);
  r.apply(r.core->node_lost(slow_node, 2.5, "gone"));
  EXPECT_EQ(r.shard3_tasks(), 2U) << "no replacement beside the backup";
  EXPECT_FALSE(r.final_step);
  r.now = 3.0;
  r.deliver(backup);
  ASSERT_TRUE(r.final_step);
  EXPECT_EQ(r.final_step->kind, Step::Kind::done) << r.final_step->reason;
  EXPECT_TRUE(r.core->rounds().at(0).lost_shards.empty());
  EXPECT_EQ(r.core->rounds().at(0).backups_won, 1);
}

TEST(BackupTasks, AFailedBackupIsNotReplacedWhileItsStragglerRuns) {
  Round r(1.5);
  const auto [straggler, backup] = r.backed_up_straggler();
  ASSERT_GE(backup, 0);
  r.forget(backup);
  r.apply(r.core->task_failed(backup, 2.5, "out of memory"));
  EXPECT_EQ(r.shard3_tasks(), 2U);
  r.tick(10.0);  // its shard already had its backup this round
  EXPECT_EQ(r.shard3_tasks(), 2U);
  r.now = 11.0;
  r.deliver(straggler);
  ASSERT_TRUE(r.final_step);
  EXPECT_EQ(r.final_step->kind, Step::Kind::done);
  EXPECT_EQ(r.core->rounds().at(0).backups, 1);
  EXPECT_EQ(r.core->rounds().at(0).backups_won, 0);
}

TEST(BackupTasks, NoBackupWithoutTheOption) {
  Round r(0.0);
  r.three_deliver();
  r.tick(100.0);
  EXPECT_EQ(r.backup_id(), -1);
  EXPECT_EQ(r.training.size(), 1U);
}

TEST(BackupTasks, ANodeStillFinishingACancelledCopyGetsNoBackupWork) {
  // Two rounds: in round 1 node X's straggler is cancelled by its backup but X
  // keeps training it. In round 2, X gets neither a shard nor a backup.
  Round r(1.5, 2);
  const auto [straggler, backup] = r.backed_up_straggler();
  const auto slow_node = r.core->task(straggler).node;
  r.now = 2.5;
  r.deliver(backup);
  ASSERT_EQ(r.core->rounds().size(), 1U);
  r.training.erase(straggler);  // still training on slow_node: no answer yet
  // Round 2: the four shards go to the three other nodes (the slow one is
  // still training its cancelled copy); all but one deliver, one straggles.
  ASSERT_EQ(r.training.size(), 4U);
  for (const auto& [id, s] : r.training) EXPECT_NE(s.node, slow_node) << "it would queue the work";
  const std::int64_t second = r.training.rbegin()->first;  // the last sent: none waits behind it
  for (const auto& [id, s] : std::map<std::int64_t, Step>(r.training)) {
    if (id == second) continue;
    r.now = 3.5;
    r.deliver(id);
  }
  r.tick(10.0);
  int copies = 0;
  for (const auto& t : r.core->tracker().tasks()) {
    if (t.backup_of == second) {
      ++copies;
      EXPECT_NE(t.node, slow_node) << "busy with its cancelled copy";
    }
  }
  EXPECT_EQ(copies, 1);
  // Once its answer came, it may take backups again (it is no longer draining).
  r.apply(r.core->train_done(straggler, 10.5, TrainResult{100, 0.0, -1.0, false, {}}));
  EXPECT_EQ(r.core->rounds().size(), 1U);
}

TEST(BackupTasks, ATaskWaitingBehindAnotherOnItsNodeIsNotAStraggler) {
  // Three nodes for four shards: one node gets two, and trains them one after the other.
  Round r(1.5, 1, {{"node-0", 1.0}, {"node-1", 1.0}, {"node-2", 1.0}});
  ASSERT_EQ(r.training.size(), 4U);
  std::map<std::string, std::vector<std::int64_t>> on;
  for (const auto& [id, s] : r.training) on[s.node].push_back(id);
  ASSERT_EQ(on.size(), 3U);
  std::int64_t second = -1;
  for (auto& [node, ids] : on) {
    r.now = 1.0;
    r.deliver(ids.front());  // every node's first task takes 1 s
    if (ids.size() == 2) second = ids.back();
  }
  ASSERT_GE(second, 0);
  // Sent at 0 but started when its node was free, at 1: at 2.4 it ran 1.4 s.
  r.tick(2.4);
  EXPECT_EQ(r.backup_id(), -1) << "its wait behind the first task counted as slowness";
  r.tick(2.6);
  ASSERT_GE(r.backup_id(), 0);
  EXPECT_EQ(r.core->task(r.backup_id()).backup_of, second);
}

TEST(BackupTasks, PinnedShardsGetNoBackup) {
  Round r(1.5, 1, {{"a", 1.0, 0}, {"b", 1.0, 1}, {"c", 1.0, 2}, {"d", 1.0, 3}});
  r.three_deliver();
  r.tick(50.0);
  EXPECT_EQ(r.backup_id(), -1);
  EXPECT_EQ(r.training.size(), 1U);
}

TEST(BackupTasks, TasksWaitingForASharedComputeSlotAreNotStragglers) {
  // Embedded nodes share the machine's cores: with two slots, two of the four
  // tasks compute at first and the other two when those delivered, at 1.
  Round r(1.5, 1, Round::four_nodes(), /*compute_slots=*/2);
  ASSERT_EQ(r.computing.size(), 2U);
  r.now = 1.0;
  for (auto id : std::set<std::int64_t>(r.computing)) r.deliver(id);
  ASSERT_EQ(r.computing.size(), 2U);
  r.now = 2.0;
  r.deliver(*r.computing.begin());  // three delivered, each after computing 1 s
  const auto last = *r.computing.begin();
  // Sent at 0, computing since 1: at 2 it ran 1 s, not 2 s.
  EXPECT_EQ(r.backup_id(), -1) << "its wait for a compute slot counted as slowness";
  r.tick(2.4);
  EXPECT_EQ(r.backup_id(), -1);
  r.tick(2.6);
  ASSERT_GE(r.backup_id(), 0);
  EXPECT_EQ(r.core->task(r.backup_id()).backup_of, last);
}

TEST(BackupTasks, TheCoreAsksToBeWokenWhenTheNextTaskWouldBecomeAStraggler) {
  Round r(1.5);
  EXPECT_TRUE(r.wakes.empty()) << "no wake before three of four delivered";
  r.three_deliver();  // at 1: median 1 s, so the straggler (computing since 0) turns at 1.5
  ASSERT_EQ(r.wakes, (std::vector<Seconds>{1.5}));
  r.tick(1.2);  // a tick before it asks for no second wake
  EXPECT_EQ(r.wakes.size(), 1U);
  EXPECT_EQ(r.backup_id(), -1);
  r.tick(1.501);
  EXPECT_GE(r.backup_id(), 0);
  r.tick(3.0);  // its shard has its backup: nothing left to wake for
  EXPECT_EQ(r.wakes.size(), 1U);
}

TEST(BackupTasks, ATaskWhoseNodeNeverSaysItComputesGetsNoBackup) {
  Round r(1.5, 1, Round::four_nodes(), Round::kAnySlots, /*silent=*/{3});
  const auto straggler = r.three_deliver();
  r.tick(100.0);
  EXPECT_EQ(r.backup_id(), -1) << "waiting for a slot or not, it was not known to compute";
  EXPECT_TRUE(r.wakes.empty());
  r.apply(r.core->task_computing(straggler, 100.0));  // its word comes late
  ASSERT_EQ(r.wakes, (std::vector<Seconds>{101.5}));
  r.tick(101.6);
  EXPECT_GE(r.backup_id(), 0);
}

TEST(BackupRule, TheNextStragglerTurnsAtItsStartPlusTheThreshold) {
  BackupRule rule;
  const std::vector<Seconds> finished{1.0, 1.0, 3.0};  // median 1: threshold 1.5
  // Task 1 (since 0.2) turns at 1.7, task 2 (since 0.5) at 2.0; task 3 already turned.
  const std::vector<RunningTask> running{{2, 0.5}, {1, 0.2}, {3, -1.0}};
  EXPECT_EQ(next_straggler_at(finished, running, 4, 1.0, rule), 1.7);
  EXPECT_EQ(next_straggler_at(finished, running, 4, 1.8, rule), 2.0);  // 1 turned already
  EXPECT_EQ(next_straggler_at(finished, running, 4, 2.1, rule), std::nullopt);
  EXPECT_EQ(next_straggler_at({1.0, 1.0}, running, 4, 1.0, rule), std::nullopt)
      << "before three of four finished the next delivery decides";
}

TEST(BackupTasks, TasksPastTheirDeadlineGetBackupsBeforeMostOfTheRoundDelivered) {
  // Five nodes for four shards, the median rule off, a deadline of 2 s.
  auto nodes = Round::four_nodes();
  nodes.push_back({"node-4", 1.0});
  Round r(0.0, 1, nodes, Round::kAnySlots, {}, /*task_deadline=*/2.0);
  ASSERT_EQ(r.training.size(), 4U);
  EXPECT_EQ(r.wakes, (std::vector<Seconds>{2.0})) << "every task computes from 0";
  // One of four delivers at 1 s: under the median rule's quantile, but two
  // nodes are idle now (the one that delivered and node-4).
  r.now = 1.0;
  const auto first = r.training.begin()->first;
  r.deliver(first);
  r.tick(1.9);
  EXPECT_EQ(r.backup_id(), -1);
  r.tick(2.1);
  std::vector<const Task*> copies;
  for (const auto& t : r.core->tracker().tasks())
    if (t.backup_of >= 0) copies.push_back(&t);
  ASSERT_EQ(copies.size(), 2U) << "three tasks are late, two nodes idle";
  EXPECT_NE(copies[0]->shard, copies[1]->shard);
  for (const auto* c : copies) EXPECT_NE(c->node, r.core->task(c->backup_of).node);
  // The copies deliver first and win. The node a copy frees takes a copy of
  // the straggler left, which is past its deadline too. (New tasks may move
  // the tracker's storage: `copies` is not used past here.)
  r.now = 2.5;
  const auto a = copies[0]->id, b = copies[1]->id;
  const std::set<std::int64_t> backed{copies[0]->backup_of, copies[1]->backup_of};
  r.deliver(a);
  r.deliver(b);
  ASSERT_FALSE(r.final_step);
  std::int64_t last = -1;
  for (const auto& t : r.core->tracker().tasks())
    if (t.kind == TaskKind::train && t.backup_of < 0 && t.id != first && !backed.count(t.id))
      last = t.id;
  ASSERT_GE(last, 0);
  std::int64_t third = -1;
  for (const auto& t : r.core->tracker().tasks())
    if (t.backup_of == last) third = t.id;
  ASSERT_GE(third, 0) << "the last straggler got its copy once a node was free";
  // That straggler delivers before its copy: the copy is cancelled.
  r.deliver(last);
  ASSERT_TRUE(r.final_step);
  EXPECT_EQ(r.final_step->kind, Step::Kind::done) << r.final_step->reason;
  EXPECT_EQ(r.core->task(third).state, TaskState::failed);
  const auto& rec = r.core->rounds().at(0);
  EXPECT_EQ(rec.updates, 4);
  EXPECT_EQ(rec.backups, 3);
  EXPECT_EQ(rec.backups_won, 2);
  EXPECT_EQ(r.released.size(), 3U) << "two cancelled stragglers and one cancelled copy";
}

TEST(BackupTasks, NoDeadlineBackupWhileTheTaskIsUnderItsDeadline) {
  auto nodes = Round::four_nodes();
  nodes.push_back({"node-4", 1.0});
  Round r(0.0, 1, nodes, Round::kAnySlots, {}, /*task_deadline=*/5.0);
  r.tick(4.9);
  EXPECT_EQ(r.backup_id(), -1);
  EXPECT_EQ(r.wakes, (std::vector<Seconds>{5.0}));
}
