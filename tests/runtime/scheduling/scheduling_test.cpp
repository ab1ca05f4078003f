#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "report/report_json.hpp"
#include "runtime/core/decomposer.hpp"
#include "runtime/core/report.hpp"
#include "runtime/core/task_tracker.hpp"
#include "runtime/scheduling/sync_job.hpp"

using namespace troupe::runtime;

TEST(Decomposer, MakesOneTrainingTaskPerShardAndOneEvaluationTask) {
  JobSpec job;
  std::int64_t next = 10;
  const auto tasks = decompose_round(job, 3, {0, 1, 2}, {100, 200, 300}, 1000, next);
  ASSERT_EQ(tasks.size(), 4u);
  EXPECT_EQ(next, 14);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(tasks[i].kind, TaskKind::train);
    EXPECT_EQ(tasks[i].shard, i);
    EXPECT_EQ(tasks[i].round, 3);
    EXPECT_EQ(tasks[i].seed, task_seed(job.seed, 3, i));
  }
  EXPECT_DOUBLE_EQ(tasks[1].demand, 200.0);
  EXPECT_EQ(tasks[3].kind, TaskKind::evaluate);
  EXPECT_GT(tasks[3].priority, tasks[0].priority);
}

TEST(TaskSeed, DiffersAcrossRoundsAndShards) {
  EXPECT_NE(task_seed(1, 1, 0), task_seed(1, 2, 0));
  EXPECT_NE(task_seed(1, 1, 0), task_seed(1, 1, 1));
  EXPECT_EQ(task_seed(1, 1, 0), task_seed(1, 1, 0));
}

TEST(TaskTracker, RecordsTimestampsThroughTheLifeCycle) {
  TaskTracker tr;
  Task t;
  t.id = 1;
  tr.add(t, 0.5);
  tr.assign(1, "n1", 1.0);
  tr.start(1, 2.0);
  tr.finish(1, 5.0, 100, 0.3, 2.0);
  const auto& got = tr.get(1);
  EXPECT_EQ(got.state, TaskState::done);
  EXPECT_EQ(got.node, "n1");
  EXPECT_DOUBLE_EQ(got.queued_at, 0.5);
  EXPECT_DOUBLE_EQ(got.assigned_at, 1.0);
  EXPECT_DOUBLE_EQ(got.started_at, 3.0);  // moved to finish - busy time
  EXPECT_DOUBLE_EQ(got.finished_at, 5.0);
}

TEST(TaskTracker, RefusesIllegalTransitions) {
  TaskTracker tr;
  Task t;
  t.id = 1;
  tr.add(t, 0);
  EXPECT_THROW(tr.start(1, 1), std::logic_error);
  EXPECT_THROW(tr.add(t, 0), std::logic_error);
  tr.fail(1, 1, "lost");
  EXPECT_THROW(tr.fail(1, 2, "again"), std::logic_error);
  EXPECT_EQ(tr.get(1).error, "lost");
}

TEST(SyncJob, RunsRoundsThroughTrainingAggregationAndEvaluation) {
  // Given a 2-round job over 3 nodes
  JobSpec job;
  job.rounds = 2;
  job.nodes = 3;
  SyncJob sj(job, {100, 100, 100}, 50, make_allocator("priority"), {{"a"}, {"b"}, {"c"}});
  for (int round = 1; round <= 2; ++round) {
    // When a round starts, every shard gets a training task on some node
    const auto ids = sj.start_next_round(round * 10.0);
    ASSERT_EQ(ids.size(), 3u);
    for (auto id : ids) sj.task_started(id, round * 10.0);
    EXPECT_FALSE(sj.training_complete());
    sj.train_done(ids[0], round * 10.0 + 1, 100, 0.5);
    sj.train_done(ids[1], round * 10.0 + 2, 100, 0.7);
    sj.task_failed(ids[2], round * 10.0 + 3, "node lost");
    // Then the round is ready for aggregation with two updates
    EXPECT_TRUE(sj.training_complete());
    EXPECT_EQ(sj.updates_in_round(), 2);
    const auto eval_id = sj.eval_task().id;
    EXPECT_FALSE(sj.eval_task().node.empty());
    sj.task_started(eval_id, round * 10.0 + 3);
    troupe::models::ClassificationMetrics m;
    m.accuracy = 0.5 + round * 0.1;
    sj.eval_done(eval_id, round * 10.0 + 4, m, round);
  }
  EXPECT_TRUE(sj.finished());
  const auto r = sj.report(50.0, troupe::runtime::RunStatus::ok, "");
  ASSERT_EQ(r.rounds.size(), 2u);
  EXPECT_EQ(r.rounds[1].updates, 2);
  EXPECT_EQ(r.rounds[1].failed, 1);
  EXPECT_DOUBLE_EQ(r.rounds[1].train_loss, 0.6);
  EXPECT_DOUBLE_EQ(r.rounds[1].seconds, 4.0);
  EXPECT_DOUBLE_EQ(r.final_metrics.accuracy, 0.7);
  EXPECT_EQ(r.tasks.size(), 8u);
  EXPECT_EQ(r.nodes.size(), 3u);
}

TEST(SyncJob, GivesFasterNodesMoreCapacity) {
  JobSpec job;
  job.nodes = 4;
  // One fast node and one slow one: the priority policy still has to respect capacity.
  SyncJob sj(job, {100, 100, 100, 100}, 30, make_allocator("priority"),
             {{"fast", 3.0}, {"slow", 1.0}});
  const auto ids = sj.start_next_round(0);
  int on_fast = 0;
  for (auto id : ids) on_fast += sj.task(id).node == "fast" ? 1 : 0;
  EXPECT_GE(on_fast, 2);
}

TEST(Report, PercentileInterpolates) {
  EXPECT_DOUBLE_EQ(percentile({}, 95), 0.0);
  EXPECT_DOUBLE_EQ(percentile({5}, 95), 5.0);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 50), 3.0);
  EXPECT_DOUBLE_EQ(percentile({0, 10}, 95), 9.5);
}

TEST(Report, SummariseComputesBusyTimeUtilisationAndMakespan) {
  RunReport r;
  Task a;
  a.id = 1;
  a.node = "n1";
  a.state = TaskState::done;
  a.queued_at = 0;
  a.started_at = 0;
  a.finished_at = 4;
  Task b = a;
  b.id = 2;
  b.node = "n2";
  b.started_at = 2;
  b.finished_at = 4;
  r.tasks = {a, b};
  summarise(r, {"n1", "n2", "idle"});
  EXPECT_DOUBLE_EQ(r.efficiency.makespan_s, 4.0);
  ASSERT_EQ(r.nodes.size(), 3u);
  EXPECT_DOUBLE_EQ(r.nodes[0].utilisation, 1.0);
  EXPECT_DOUBLE_EQ(r.nodes[1].utilisation, 0.5);
  EXPECT_DOUBLE_EQ(r.nodes[2].busy_s, 0.0);
  EXPECT_DOUBLE_EQ(r.efficiency.utilisation, 6.0 / 12.0);
  EXPECT_DOUBLE_EQ(r.efficiency.mean_completion_s, 4.0);
}

TEST(Report, JsonHasTheStableTopLevelKeys) {
  RunReport r;
  r.rounds.push_back({});
  const auto json = to_json(r);
  for (const char* key :
       {"\"config\"", "\"tasks\"", "\"rounds\"", "\"final\"", "\"nodes\"", "\"efficiency\"",
        "\"makespan_s\"", "\"p95_completion_s\"", "\"confusion\"", "\"f1\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
}

TEST(SyncJob, AFailedTaskIsReassignedToAnotherNodeAndTheOriginalIsNotCountedAsAnUpdate) {
  JobSpec job;
  job.nodes = 2;
  SyncJob sj(job, {100, 100}, 20, make_allocator("priority"), {{"a"}, {"b"}});
  const auto ids = sj.start_next_round(0.0);
  for (auto id : ids) sj.task_started(id, 0.0);
  const auto lost = sj.task(ids[0]).node;
  // When the node of the first task is lost
  const auto failed = sj.fail_tasks_on(lost, 1.0, "node lost");
  ASSERT_FALSE(failed.empty());
  const auto next = sj.reassign(ids[0], 1.0);
  // Then the shard runs again elsewhere, marked as a reassignment
  ASSERT_TRUE(next);
  EXPECT_NE(sj.task(*next).node, lost);
  EXPECT_EQ(sj.task(*next).reassigned_from, ids[0]);
  EXPECT_EQ(sj.task(*next).shard, sj.task(ids[0]).shard);
  EXPECT_EQ(sj.task(*next).seed, sj.task(ids[0]).seed);
  EXPECT_FALSE(sj.training_complete());
  sj.task_started(*next, 1.0);
  sj.train_done(*next, 2.0, 100, 0.5);
  if (sj.task(ids[1]).state != TaskState::failed) sj.train_done(ids[1], 2.0, 100, 0.5);
  EXPECT_TRUE(sj.training_complete());
  const auto accepted = sj.accepted_updates();
  EXPECT_EQ(std::count(accepted.begin(), accepted.end(), ids[0]), 0);
  EXPECT_EQ(std::count(accepted.begin(), accepted.end(), *next), 1);
}

TEST(SyncJob, AShardIsTriedAtMostThreeTimesPerRound) {
  JobSpec job;
  job.nodes = 1;
  SyncJob sj(job, {100}, 20, make_allocator("priority"), {{"a"}, {"b"}, {"c"}, {"d"}});
  auto id = sj.start_next_round(0.0).front();
  int attempts = 1;
  for (;;) {
    sj.task_started(id, 0.0);
    sj.task_failed(id, 1.0, "crashed");
    auto next = sj.reassign(id, 1.0);
    if (!next) break;
    id = *next;
    ++attempts;
  }
  EXPECT_EQ(attempts, kMaxAttemptsPerShard);
}

TEST(SyncJob, APinnedShardGoesOnlyToTheNodeThatHoldsIt) {
  JobSpec job;
  job.nodes = 3;
  // c holds only shard 2; a and b can train any shard.
  SyncJob sj(job, {100, 100, 100}, 20, make_allocator("priority"), {{"a"}, {"b"}, {"c", 1.0, 2}});
  for (auto id : sj.start_next_round(0.0)) {
    const auto& t = sj.task(id);
    if (t.shard == 2)
      EXPECT_EQ(t.node, "c");
    else
      EXPECT_NE(t.node, "c");
  }
}

TEST(SyncJob, NodesThatJoinMidJobAreUsedFromTheNextRound) {
  JobSpec job;
  job.nodes = 4;
  job.rounds = 2;
  SyncJob sj(job, {100, 100, 100, 100}, 20, make_allocator("priority"), {{"a"}});
  auto ids = sj.start_next_round(0.0);
  for (auto id : ids) EXPECT_EQ(sj.task(id).node, "a");
  for (auto id : ids) {
    sj.task_started(id, 0.0);
    sj.train_done(id, 1.0, 100, 0.1);
  }
  sj.task_started(sj.eval_task().id, 1.0);
  sj.eval_done(sj.eval_task().id, 2.0, {}, 1);
  sj.set_nodes({{"a"}, {"b"}});
  int on_b = 0;
  for (auto id : sj.start_next_round(2.0)) on_b += sj.task(id).node == "b" ? 1 : 0;
  EXPECT_GT(on_b, 0);
}

// Every policy, used in training: the faster node gets the larger share.
class SyncJobPolicy : public ::testing::TestWithParam<std::string> {};

TEST_P(SyncJobPolicy, GivesTheFasterNodeTheLargerShareOfTraining) {
  JobSpec job;
  job.nodes = 8;
  SyncJob sj(job, std::vector<std::int64_t>(8, 100), 30, make_allocator(GetParam()),
             {{"slow", 1.0}, {"fast", 3.0}});
  int fast = 0, slow = 0;
  for (auto id : sj.start_next_round(0.0)) (sj.task(id).node == "fast" ? fast : slow) += 1;
  EXPECT_EQ(fast + slow, 8);
  EXPECT_GT(fast, slow);
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, SyncJobPolicy, ::testing::ValuesIn(allocator_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(SyncJob, TheEvaluationTaskTakesNoTrainingRoomSoEveryNodeTrains) {
  // The seed's nodes (speeds 10, 8, 6), three small shards and a large test
  // set. Evaluation runs after the round's training: counted with it, its
  // demand swamped the speed shares and all three shards went to one node.
  JobSpec job;
  job.nodes = 3;
  SyncJob sj(job, {200, 200, 200}, 10'000, make_allocator("priority"),
             {{"a", 10.0}, {"b", 8.0}, {"c", 6.0}});
  const auto ids = sj.start_next_round(0);
  ASSERT_EQ(ids.size(), 3u);
  std::set<std::string> nodes;
  for (auto id : ids) nodes.insert(sj.task(id).node);
  EXPECT_EQ(nodes, (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(sj.eval_task().node, "a");  // the fastest node, once training is done
}

TEST(SyncJob, TheEvaluatorEvaluatesAgainUnlessItIsMeasuredSlow) {
  JobSpec job;
  job.nodes = 3;
  job.rounds = 4;
  SyncJob sj(job, {100, 100, 100}, 50, make_allocator("priority"), {{"a"}, {"b"}, {"c"}});
  auto finish_round = [&](double t) {
    for (auto id : sj.start_next_round(t)) {
      sj.task_started(id, t);
      sj.train_done(id, t + 1, 100, 0.5);
    }
    const auto eval = sj.eval_task();
    sj.task_started(eval.id, t + 1);
    sj.eval_done(eval.id, t + 2, {}, 1);
    return eval.node;
  };
  // Nobody is measured in round 1: the policy picks one of the equal nodes.
  const auto first = finish_round(0.0);
  // Faster nodes alone do not move it: it holds the test set.
  std::vector<NodeInfo> faster{{"a", 1.0}, {"b", 1.0}, {"c", 1.0}};
  for (auto& n : faster)
    if (n.id != first) n.speed = 4.0;
  sj.set_nodes(faster);
  EXPECT_EQ(finish_round(10.0), first);
  // All planned slower alike (nodes shared with another job): it stays.
  sj.set_nodes({{"a", 0.5}, {"b", 0.5}, {"c", 0.5}});
  EXPECT_EQ(finish_round(20.0), first);
  // Measured slower than the others' noise band, it hands the evaluation on.
  std::vector<NodeInfo> slower{{"a", 1.0}, {"b", 1.0}, {"c", 1.0}};
  for (auto& n : slower)
    if (n.id == first) n.speed = 0.25;
  sj.set_nodes(slower);
  EXPECT_NE(finish_round(30.0), first);
}

TEST(SyncJob, AFailedEvaluationRunsAgainElsewhereOrOnItsOwnNodeWhenItIsTheOnlyOne) {
  for (const std::vector<NodeInfo>& nodes :
       {std::vector<NodeInfo>{{"a"}}, std::vector<NodeInfo>{{"a"}, {"b"}}}) {
    JobSpec job;
    job.nodes = 1;
    SyncJob sj(job, {100}, 20, make_allocator("priority"), nodes);
    const auto ids = sj.start_next_round(0.0);
    ASSERT_EQ(ids.size(), 1u);
    sj.task_started(ids[0], 0.0);
    sj.train_done(ids[0], 1.0, 100, 0.5);
    const auto eval = sj.eval_task();
    sj.task_started(eval.id, 1.0);
    sj.task_failed(eval.id, 2.0, "evaluation error");
    const auto next = sj.reassign(eval.id, 2.0);
    ASSERT_TRUE(next) << nodes.size() << " node(s)";
    EXPECT_EQ(sj.eval_task().id, *next);
    EXPECT_EQ(sj.task(*next).reassigned_from, eval.id);
    if (nodes.size() == 1)
      EXPECT_EQ(sj.task(*next).node, "a");
    else
      EXPECT_NE(sj.task(*next).node, eval.node);
  }
}

TEST(SyncJob, KeepsAsManyShardsOnTheirNodesAsTheNewLoadsAllow) {
  // Round 1 on six nodes of mixed speeds; then the measured speeds change and
  // the allocator spreads the 24 shards differently. Each node keeps
  // min(its old count, its new count) of its shards; the evaluation stays
  // where it was; every seed is its shard's.
  JobSpec job;
  job.nodes = 24;
  job.rounds = 2;
  const std::vector<std::string> names{"a", "b", "c", "d", "e", "f"};
  auto nodes_of = [&](const std::vector<double>& speeds) {
    std::vector<NodeInfo> out;
    for (std::size_t i = 0; i < names.size(); ++i) out.push_back({names[i], speeds[i]});
    return out;
  };
  SyncJob sj(job, std::vector<std::int64_t>(24, 100), 50, make_allocator("priority"),
             nodes_of({3, 1, 2, 5, 1, 4}));
  auto finish_round = [&](const std::vector<std::int64_t>& ids, double t) {
    std::map<std::string, std::set<int>> held;
    for (auto id : ids) {
      const auto& task = sj.task(id);
      EXPECT_EQ(task.seed, task_seed(job.seed, task.round, task.shard));
      held[task.node].insert(task.shard);
      sj.task_started(id, t);
      sj.train_done(id, t + 1, 100, 0.5);
    }
    const auto eval = sj.eval_task();
    sj.task_started(eval.id, t + 1);
    sj.eval_done(eval.id, t + 2, {}, 1);
    return std::make_pair(held, eval.node);
  };
  const auto [first, first_eval] = finish_round(sj.start_next_round(0.0), 0.0);
  sj.set_nodes(nodes_of({2, 3, 1, 1, 2, 5}));  // d, the evaluator, is no longer fastest
  const auto [second, second_eval] = finish_round(sj.start_next_round(10.0), 10.0);
  EXPECT_EQ(second_eval, first_eval);
  std::size_t kept = 0, best = 0, changed = 0;
  for (const auto& node : names) {
    const auto before = first.count(node) ? first.at(node) : std::set<int>{};
    const auto after = second.count(node) ? second.at(node) : std::set<int>{};
    for (int s : after) kept += before.count(s);
    best += std::min(before.size(), after.size());
    changed += before.size() != after.size() ? 1 : 0;
  }
  EXPECT_GT(changed, 0u) << "the loads must change for the test to mean anything";
  EXPECT_EQ(kept, best);
}
