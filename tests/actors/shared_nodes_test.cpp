// Jobs sharing nodes (SchedulerConfig::share_nodes, `troupe scheduler
// --share-nodes`): a node holds each job's data, model and aggregator apart
// (a slot per run id), runs its waiting tasks highest priority first, and a
// node lost while serving two jobs fails over in both.
#include <gtest/gtest.h>

#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "actors/aggregator_actor.hpp"
#include "actors/errors.hpp"
#include "actors/node_actor.hpp"
#include "concurrent_cluster.hpp"

using namespace troupe;
using test::ConcurrentCluster;
using test::job;
using test::solo_fingerprint;
using test::training_nodes;

namespace {

/// The cluster's status, as `troupe status` asks for it.
actors::ClusterStatus status_of(ConcurrentCluster& c) {
  actors::ClusterStatus out;
  caf::scoped_actor self{*c.system};
  self->request(c.scheduler, std::chrono::seconds(10), actors::status_atom::value,
                runtime::Admission{})
      .receive([&](actors::ClusterStatus& s) { out = std::move(s); },
               [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  return out;
}

/// One built-in node on an actor system of its own, set up for jobs by hand
/// as the scheduler would (the job's aggregator first, then the job).
struct OneNode {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::shared_ptr<runtime::ComputeGate> gate = std::make_shared<runtime::ComputeGate>(1);
  actors::node_actor node;

  OneNode() {
    actors::configure(cfg);
    system = std::make_unique<caf::actor_system>(cfg);
    actors::NodeConfig nc;
    nc.name = "node-1";
    nc.data = std::make_shared<runtime::DataCatalog>(test::fashion_mnist_dir(), 3000, 500);
    nc.gate = gate;
    node = actors::spawn_node(*system, nc);
  }
  void set_up(const runtime::JobSpec& spec, const caf::actor& aggregator) {
    caf::scoped_actor self{*system};
    self->send(node, actors::aggregator_atom::value, aggregator);
    self->request(node, std::chrono::seconds(30), actors::setup_atom::value, spec)
        .receive([](const actors::DataSummary&) {},
                 [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  }
  ~OneNode() { caf::anon_send_exit(node, caf::exit_reason::user_shutdown); }
};

/// Two jobs of run ids 11 and 22 and priorities `first` and `second`.
std::pair<runtime::JobSpec, runtime::JobSpec> two_jobs(int nodes, double first, double second) {
  auto a = job(nodes, 1, 1), b = job(nodes, 1, 2);
  a.run_id = 11;
  b.run_id = 22;
  a.cluster.priority = first;
  b.cluster.priority = second;
  return {a, b};
}

/// The version `aggregator` starts `spec` from.
std::int64_t set_up_aggregator(caf::actor_system& system,
                               const actors::aggregator_actor& aggregator,
                               const runtime::JobSpec& spec) {
  std::int64_t version = -1;
  caf::scoped_actor self{system};
  self->request(aggregator, std::chrono::seconds(30), actors::setup_atom::value, spec)
      .receive([&](std::int64_t v) { version = v; },
               [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  return version;
}

}  // namespace

TEST(SharedNodes, TwoJobsShareOneNodeAtOnceAndEachTrainsItsSoloModel) {
  const auto first = job(1, 6, 1), second = job(1, 6, 2);
  const auto solo_first = solo_fingerprint(first), solo_second = solo_fingerprint(second);
  ASSERT_FALSE(solo_first.empty() || solo_second.empty());
  ASSERT_NE(solo_first, solo_second);

  ConcurrentCluster c(2, 1, {}, true);
  auto a = c.submit_later(first);
  auto b = c.submit_later(second, std::chrono::milliseconds(100));
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  // One node held both jobs' models apart: each is the model it trains alone.
  EXPECT_EQ(ra.model_fingerprint, solo_first);
  EXPECT_EQ(rb.model_fingerprint, solo_second);
  EXPECT_EQ(training_nodes(ra), std::set<std::string>{"node-1"});
  EXPECT_EQ(training_nodes(rb), std::set<std::string>{"node-1"});
  EXPECT_LT(rb.job.waiting_s, 0.5 * ra.job.completion_s)
      << "the second job started on the node while the first ran";
  // The scheduler placed every training task of both in its joint allocation.
  EXPECT_EQ(ra.job.placed_jointly, 6);
  EXPECT_EQ(rb.job.placed_jointly, 6);
}

TEST(SharedNodes, APreemptingJobInterruptsTheOthersTasksAndEachTrainsItsSoloModel) {
  auto low = job(1, 3, 1), top = job(1, 2, 2);
  low.train.local_epochs = 20;  // its tasks compute for a while: the top job comes during one
  top.cluster.priority = 3;
  top.cluster.preempt = true;
  const auto solo_low = solo_fingerprint(low), solo_top = solo_fingerprint(top);
  ASSERT_FALSE(solo_low.empty() || solo_top.empty());

  std::promise<void> low_round;
  std::atomic<bool> told{false};
  ConcurrentCluster c(
      2, 1,
      [&](const runtime::RoundRecord&) {
        if (!told.exchange(true)) low_round.set_value();
      },
      true);
  auto a = c.submit_later(low);
  // Once the low job's first round ended, its next task computes on the node.
  ASSERT_EQ(low_round.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  auto b = c.submit_later(top);
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  EXPECT_GT(ra.job.tasks_yielded, 0) << "a task of the low job stopped for the top job's";
  EXPECT_EQ(rb.job.tasks_yielded, 0);
  // Stopped tasks ran again from their start: the same models as alone.
  EXPECT_EQ(ra.model_fingerprint, solo_low);
  EXPECT_EQ(rb.model_fingerprint, solo_top);
}

TEST(SharedNodes, ANodeKilledWhileServingTwoJobsFailsOverInBothAndBothTrainTheirSoloModels) {
  const auto first = job(2, 12, 1), second = job(2, 12, 2);
  const auto solo_first = solo_fingerprint(first), solo_second = solo_fingerprint(second);
  ASSERT_FALSE(solo_first.empty() || solo_second.empty());

  // Three nodes, two jobs of --nodes 2: the second takes the free node-3 and
  // one the first holds (equal speeds: the first job's node-1).
  std::promise<void> both_ran;
  std::atomic<int> first_rounds{0};
  ConcurrentCluster c(
      2, 3,
      [&](const runtime::RoundRecord& r) {
        if (r.round == 1 && ++first_rounds == 2) both_ran.set_value();
      },
      true);
  auto a = c.submit_later(first);
  auto b = c.submit_later(second, std::chrono::milliseconds(100));
  ASSERT_EQ(both_ran.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const auto jobs_of = [](const actors::ClusterStatus& s, const std::string& id) {
    for (const auto& n : s.nodes)
      if (n.id == id && n.state == "alive") return n.jobs.size();
    return std::size_t{0};
  };
  const auto before = status_of(c);
  EXPECT_EQ(before.running.size(), 2U);
  ASSERT_EQ(jobs_of(before, "node-1"), 2U) << "node-1 serves both jobs";
  caf::anon_send_exit(c.nodes.front(), caf::exit_reason::kill);
  // Each job takes the alive node it lacks in node-1's place.
  bool replaced = false;
  for (int i = 0; i < 200 && !replaced; ++i) {
    const auto now = status_of(c);
    replaced = jobs_of(now, "node-2") == 2 && jobs_of(now, "node-3") == 2;
    if (!replaced) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(replaced) << "node-2 and node-3 each serve both jobs after node-1 was lost";
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  // Both lost it and went on; synchronous rounds train the same model anywhere.
  EXPECT_EQ(ra.model_fingerprint, solo_first);
  EXPECT_EQ(rb.model_fingerprint, solo_second);
}

TEST(SharedNodes, ANodeThatCannotTakeOneJobKeepsServingTheOther) {
  const auto first = job(2, 4, 1);
  const auto solo_first = solo_fingerprint(first);
  ASSERT_FALSE(solo_first.empty());
  // node-1 holds only shard 0 of a two-way split: it can serve the first job
  // (--nodes 2) but not the second (--nodes 3), whose set-up it refuses.
  ConcurrentCluster c(2, 0, {}, true);
  runtime::DataPlacement pinned;
  pinned.shard = 0;
  pinned.shards = 2;
  c.join("node-1", pinned);
  c.join("node-2");
  c.join("node-3");
  auto a = c.submit_later(first);
  auto b = c.submit_later(job(3, 4, 2), std::chrono::milliseconds(300));
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  EXPECT_EQ(ra.model_fingerprint, solo_first);
  EXPECT_TRUE(training_nodes(ra).count("node-1"));
  EXPECT_FALSE(training_nodes(rb).count("node-1"));
  // Its refusal was the second job's affair: the node was not declared lost.
  for (const auto& n : status_of(c).nodes)
    EXPECT_EQ(n.state, "alive") << n.id << ": " << n.lost_reason;
}

/// A node set up for two jobs keeps their aggregators apart and, while it
/// computes, lets a task of the higher priority overtake waiting ones.
TEST(SharedNodes, ANodeRunsWaitingTasksHighestPriorityFirstEachOnItsJobsAggregator) {
  OneNode n;
  auto& system = *n.system;
  auto& node = n.node;
  auto& gate = n.gate;
  const auto [low, high] = two_jobs(2, 1, 5);
  auto agg_low = actors::spawn_aggregator(system), agg_high = actors::spawn_aggregator(system);
  std::map<std::uint64_t, std::int64_t> version;
  for (auto [spec, agg] : {std::make_pair(low, agg_low), std::make_pair(high, agg_high)}) {
    version[spec.run_id] = set_up_aggregator(system, agg, spec);
    n.set_up(spec, caf::actor_cast<caf::actor>(agg));
  }
  caf::scoped_actor self{system};
  const auto task = [&](std::int64_t id, std::int32_t shard, const runtime::JobSpec& spec) {
    return actors::TrainTask{
        id, 1, shard, version[spec.run_id], 7, spec.run_id, spec.cluster.priority};
  };
  // Each job's model is held first (an evaluation each): queued tasks then
  // wait only for the node's compute, not for a model fetch.
  for (const auto* spec : {&low, &high})
    self->request(node, std::chrono::seconds(60), actors::eval_atom::value,
                  actors::EvalTask{10, 0, version[spec->run_id], false, spec->run_id, 1.0})
        .receive([](const models::ClassificationMetrics&) {},
                 [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  std::vector<std::int64_t> computing;  // task ids in the order they began computing
  std::vector<actors::TrainOutcome> outcomes;
  auto collect = [&] {
    self->receive(
        [&](actors::computing_atom, std::uint64_t, std::int64_t id) { computing.push_back(id); },
        [&](const actors::TrainOutcome& out) { outcomes.push_back(out); },
        [&](caf::error& e) { ADD_FAILURE() << to_string(e); },
        caf::after(std::chrono::seconds(60)) >> [] { ADD_FAILURE() << "the node went silent"; });
  };
  {
    // Task 1 (low) holds the node's compute, blocked at the gate, while task 2
    // (low) and task 3 (high) arrive.
    runtime::ComputeGate::Ticket held(*gate);
    self->send(node, actors::train_atom::value, task(1, 0, low));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (gate->waiting() == 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(gate->waiting(), 1) << "task 1 reached the compute gate";
    self->send(node, actors::train_atom::value, task(2, 1, low));
    self->send(node, actors::train_atom::value, task(3, 0, high));
  }
  while (outcomes.size() < 3 && !HasFailure()) collect();
  EXPECT_EQ(computing, (std::vector<std::int64_t>{1, 3, 2}));
  ASSERT_EQ(outcomes.size(), 3U);
  for (const auto& out : outcomes) {
    EXPECT_TRUE(out.receipt.accepted) << "task " << out.task_id << ": " << out.receipt.reason;
    EXPECT_EQ(out.yielded, 0) << "no job has --preempt: a computing task is not interrupted";
  }

  // A job that left the node: its tasks are refused, the other's still run.
  self->send(node, actors::leave_atom::value, low.run_id);
  self->request(node, std::chrono::seconds(30), actors::train_atom::value, task(4, 0, low))
      .receive([](const actors::TrainOutcome&) { ADD_FAILURE() << "trained for a job that left"; },
               [&](caf::error& e) {
                 EXPECT_NE(actors::describe(e, system).find("before set-up"), std::string::npos);
               });
  self->request(node, std::chrono::seconds(30), actors::train_atom::value, task(5, 1, high))
      .receive([](const actors::TrainOutcome& out) { EXPECT_TRUE(out.receipt.accepted); },
               [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  self->send_exit(agg_low, caf::exit_reason::user_shutdown);
  self->send_exit(agg_high, caf::exit_reason::user_shutdown);
}

/// An aggregator that never answers a model request (hung, not dead).
struct SilentState {
  std::vector<caf::response_promise> held;
};
/// (Spawned with an argument: CAF 0.17.6 binds a null reference spawning a
/// function actor without any, which UBSan reports; docs/results.md.)
caf::behavior silent_aggregator(caf::stateful_actor<SilentState>* self, int) {
  return {[self](actors::model_atom, std::int64_t) {
    auto rp = self->make_response_promise();
    self->state.held.push_back(rp);  // never delivered
    return rp;
  }};
}

TEST(SharedNodes, AJobWhoseAggregatorHangsHoldsUpNoOtherJobOnTheNode) {
  OneNode n;
  auto [stuck, fine] = two_jobs(1, 5, 1);
  stuck.cluster.task_timeout_s = 600;
  auto silent = n.system->spawn(silent_aggregator, 0);
  auto aggregator = actors::spawn_aggregator(*n.system);
  const auto version = set_up_aggregator(*n.system, aggregator, fine);
  n.set_up(stuck, silent);
  n.set_up(fine, caf::actor_cast<caf::actor>(aggregator));
  auto& node = n.node;
  caf::scoped_actor self{*n.system};
  // The stuck job's task waits for its model (for up to its 600 s timeout);
  // the other job's task, sent after it, trains meanwhile.
  self->send(node, actors::train_atom::value, actors::TrainTask{1, 1, 0, 0, 7, stuck.run_id, 5.0});
  self->request(node, std::chrono::seconds(60), actors::train_atom::value,
                actors::TrainTask{2, 1, 0, version, 7, fine.run_id, 1.0})
      .receive([](const actors::TrainOutcome& out) { EXPECT_TRUE(out.receipt.accepted); },
               [](caf::error& e) { ADD_FAILURE() << "held up: " << to_string(e); });
  self->send_exit(aggregator, caf::exit_reason::user_shutdown);
  self->send_exit(silent, caf::exit_reason::user_shutdown);
}

/// One node set up for a low job (priority 1, tasks of 40 epochs: seconds of
/// compute, so that a task of the other arrives during one) and a --preempt
/// job of priority 5, each with its own aggregator.
struct PreemptingPair {
  OneNode n;
  runtime::JobSpec low, high;
  actors::aggregator_actor agg_low, agg_high;
  std::int64_t v_low = -1, v_high = -1;

  PreemptingPair() {
    std::tie(low, high) = two_jobs(2, 1, 5);
    low.train.local_epochs = 40;
    high.cluster.preempt = true;
    agg_low = actors::spawn_aggregator(*n.system);
    agg_high = actors::spawn_aggregator(*n.system);
    v_low = set_up_aggregator(*n.system, agg_low, low);
    v_high = set_up_aggregator(*n.system, agg_high, high);
    n.set_up(low, caf::actor_cast<caf::actor>(agg_low));
    n.set_up(high, caf::actor_cast<caf::actor>(agg_high));
  }
  ~PreemptingPair() {
    caf::anon_send_exit(agg_low, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(agg_high, caf::exit_reason::user_shutdown);
  }
};

/// A task of a --preempt job interrupts a lower job's task that computes: the
/// lower one stops between mini-batches, waits while the higher one fetches
/// its model and trains, then runs again from its start, whole.
TEST(SharedNodes, APreemptingTaskInterruptsALowerOneWhichThenRunsAgainWhole) {
  PreemptingPair p;
  caf::scoped_actor self{*p.n.system};
  std::vector<std::int64_t> computing, ended;
  std::map<std::int64_t, actors::TrainOutcome> outcomes;
  auto collect = [&] {
    self->receive(
        [&](actors::computing_atom, std::uint64_t, std::int64_t id) { computing.push_back(id); },
        [&](const actors::TrainOutcome& out) {
          ended.push_back(out.task_id);
          outcomes[out.task_id] = out;
        },
        [&](caf::error& e) { ADD_FAILURE() << to_string(e); },
        caf::after(std::chrono::seconds(120)) >> [] { ADD_FAILURE() << "the node went silent"; });
  };
  self->send(p.n.node, actors::train_atom::value,
             actors::TrainTask{1, 1, 0, p.v_low, 7, p.low.run_id, 1.0, false});
  collect();
  ASSERT_EQ(computing, std::vector<std::int64_t>{1});
  // Its model is not on the node yet: the node fetches it while task 1 waits.
  self->send(p.n.node, actors::train_atom::value,
             actors::TrainTask{2, 1, 1, p.v_high, 7, p.high.run_id, 5.0, true});
  while (outcomes.size() < 2 && !HasFailure()) collect();
  EXPECT_EQ(computing, (std::vector<std::int64_t>{1, 2, 1}));
  EXPECT_EQ(ended, (std::vector<std::int64_t>{2, 1}));
  ASSERT_EQ(outcomes.size(), 2U);
  EXPECT_EQ(outcomes[2].yielded, 0);
  EXPECT_EQ(outcomes[1].yielded, 1);
  // Run again whole: every epoch over its 1,500 examples.
  EXPECT_EQ(outcomes[1].samples_seen, 40 * outcomes[1].samples);
  for (const auto& [id, out] : outcomes)
    EXPECT_TRUE(out.receipt.accepted) << "task " << id << ": " << out.receipt.reason;
}

/// An evaluation task of a --preempt job stops a lower training task too
/// (once: the node holds it while its model comes).
TEST(SharedNodes, APreemptingEvaluationStopsALowerTaskOnce) {
  PreemptingPair p;
  caf::scoped_actor self{*p.n.system};
  self->send(p.n.node, actors::train_atom::value,
             actors::TrainTask{1, 1, 0, p.v_low, 7, p.low.run_id, 1.0, false});
  self->receive(
      [](actors::computing_atom, std::uint64_t, std::int64_t) {},
      caf::after(std::chrono::seconds(60)) >> [] { ADD_FAILURE() << "no task computes"; });
  self->send(p.n.node, actors::eval_atom::value,
             actors::EvalTask{2, 1, p.v_high, false, p.high.run_id, 5.0, true});
  std::vector<std::string> ended;
  actors::TrainOutcome trained;
  while (ended.size() < 2 && !HasFailure())
    self->receive([&](actors::computing_atom, std::uint64_t, std::int64_t) {},
                  [&](const models::ClassificationMetrics&) { ended.push_back("eval"); },
                  [&](const actors::TrainOutcome& out) {
                    ended.push_back("train");
                    trained = out;
                  },
                  [&](caf::error& e) { ADD_FAILURE() << to_string(e); },
                  caf::after(std::chrono::seconds(120)) >> [] { ADD_FAILURE() << "silent"; });
  EXPECT_EQ(ended, (std::vector<std::string>{"eval", "train"}));
  EXPECT_EQ(trained.yielded, 1);
  EXPECT_EQ(trained.samples_seen, 40 * trained.samples);
}
