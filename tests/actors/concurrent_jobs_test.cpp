// Several jobs at once on one scheduler (SchedulerConfig::concurrent_jobs),
// in one process: each job in hand has its own aggregator and its own nodes,
// trains the model it trains alone, and a queued job waits for nodes that
// others hold without running out its join timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "actors/aggregator_actor.hpp"
#include "actors/cluster.hpp"
#include "actors/node_actor.hpp"
#include "actors/scheduler_actor.hpp"
#include "runtime/node/compute_gate.hpp"
#include "runtime/node/data_catalog.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

/// A small MLP job on `nodes` shards; `seed` tells the jobs' models apart.
runtime::JobSpec job(int nodes, int rounds, std::uint64_t seed) {
  runtime::JobSpec j;
  j.nodes = nodes;
  j.rounds = rounds;
  j.seed = seed;
  j.data.train_limit = 3000;
  j.data.test_limit = 500;
  j.train.model = runtime::ModelKind::mlp;
  j.compute.threads = 1;
  j.data.data_dir = test::fashion_mnist_dir();
  j.cluster.join_timeout_s = 10.0;
  return j;
}

/// A scheduler running up to `slots` jobs at once, with as many aggregators,
/// and `nodes` in-process nodes, registered at once.
struct ConcurrentCluster {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::vector<actors::aggregator_actor> aggregators;
  actors::scheduler_actor scheduler;
  std::shared_ptr<runtime::DataCatalog> data;
  // One task computes at a time: Debian's serial OpenBLAS is not safe on two threads.
  std::shared_ptr<runtime::ComputeGate> gate = std::make_shared<runtime::ComputeGate>(1);
  std::vector<caf::actor> nodes;

  /// `on_round`: called in the scheduler after every round of any job.
  ConcurrentCluster(int slots, int node_count,
                    std::function<void(const runtime::RoundRecord&)> on_round = {}) {
    actors::configure(cfg);
    system = std::make_unique<caf::actor_system>(cfg);
    for (int i = 0; i < slots; ++i) aggregators.push_back(actors::spawn_aggregator(*system));
    actors::SchedulerConfig sc;
    sc.aggregator = aggregators.front();
    sc.more_aggregators.assign(aggregators.begin() + 1, aggregators.end());
    sc.concurrent_jobs = slots;
    sc.heartbeat_timeout_s = 0.0;
    sc.tick_interval_s = 0.1;
    if (on_round) sc.on_round = [on_round](const runtime::RoundRecord& r, int) { on_round(r); };
    scheduler = actors::spawn_scheduler(*system, sc);
    data = std::make_shared<runtime::DataCatalog>(test::fashion_mnist_dir(), 3000, 500);
    for (int i = 1; i <= node_count; ++i) join("node-" + std::to_string(i));
  }

  void join(const std::string& name) {
    actors::NodeConfig nc;
    nc.name = name;
    nc.aggregator = aggregators.front();
    nc.data = data;
    nc.gate = gate;
    nodes.push_back(caf::actor_cast<caf::actor>(actors::spawn_node(*system, nc)));
    actors::NodeRegistration reg;
    reg.name = name;
    reg.speed = 1.0;
    caf::scoped_actor self{*system};
    self->request(scheduler, caf::infinite, actors::register_atom::value, reg, nodes.back())
        .receive([](const caf::actor&) {}, [](caf::error& e) { FAIL() << to_string(e); });
  }

  /// Submits `spec` and waits for its report (on a thread of the caller's).
  runtime::RunReport submit(const runtime::JobSpec& spec) {
    runtime::RunReport report;
    caf::scoped_actor self{*system};
    self->request(scheduler, std::chrono::seconds(300), actors::submit_atom::value, spec,
                  runtime::Admission{})
        .receive([&](runtime::RunReport& r) { report = std::move(r); },
                 [&](caf::error& e) {
                   report.status = runtime::RunStatus::failed;
                   report.error = to_string(e);
                 });
    return report;
  }

  /// Submits `spec` after `delay`, answered on another thread.
  std::future<runtime::RunReport> submit_later(const runtime::JobSpec& spec,
                                               std::chrono::milliseconds delay = {}) {
    return std::async(std::launch::async, [this, spec, delay] {
      std::this_thread::sleep_for(delay);
      return submit(spec);
    });
  }

  ~ConcurrentCluster() {
    caf::scoped_actor self{*system};
    self->send_exit(scheduler, caf::exit_reason::user_shutdown);
    for (auto& a : aggregators) self->send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& n : nodes) self->send_exit(n, caf::exit_reason::user_shutdown);
  }
};

/// The nodes that ran `report`'s training tasks.
std::set<std::string> training_nodes(const runtime::RunReport& report) {
  std::set<std::string> out;
  for (const auto& t : report.tasks)
    if (t.kind == runtime::TaskKind::train) out.insert(t.node);
  return out;
}

/// The model fingerprint of `spec` run alone on an embedded cluster; empty
/// (and the test failed) when that run did not end ok.
std::string solo_fingerprint(const runtime::JobSpec& spec) {
  const auto report = actors::run_embedded(spec);
  EXPECT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  return report.status == runtime::RunStatus::ok ? report.model_fingerprint : std::string();
}

bool overlap(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (const auto& x : a)
    if (b.count(x)) return true;
  return false;
}

}  // namespace

TEST(ConcurrentJobs, TwoJobsRunAtOnceOnNodesOfTheirOwnAndEachTrainsItsSoloModel) {
  const auto first = job(2, 6, 1), second = job(2, 6, 2);
  const auto solo_first = solo_fingerprint(first), solo_second = solo_fingerprint(second);
  ASSERT_FALSE(solo_first.empty() || solo_second.empty());
  ASSERT_NE(solo_first, solo_second);

  ConcurrentCluster c(2, 4);
  auto a = c.submit_later(first);
  auto b = c.submit_later(second, std::chrono::milliseconds(100));
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  EXPECT_EQ(ra.model_fingerprint, solo_first);
  EXPECT_EQ(rb.model_fingerprint, solo_second);
  // Each took --nodes 2 of the 4, and neither waited for the other.
  EXPECT_EQ(training_nodes(ra).size(), 2U);
  EXPECT_EQ(training_nodes(rb).size(), 2U);
  EXPECT_FALSE(overlap(training_nodes(ra), training_nodes(rb)));
  EXPECT_LT(rb.job.waiting_s, 0.5 * ra.job.completion_s)
      << "the second job started while the first ran";
}

TEST(ConcurrentJobs, AQueuedJobWaitsForNodesOthersHoldPastItsJoinTimeoutThenTakesThem) {
  ConcurrentCluster c(2, 2);
  auto long_job = job(2, 30, 1);
  auto waiting = job(1, 1, 2);
  waiting.cluster.join_timeout_s = 0.2;  // far shorter than the first job's run
  auto a = c.submit_later(long_job);
  auto b = c.submit_later(waiting, std::chrono::milliseconds(200));
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  // It started once the first job ended (it was submitted 0.2 s after it),
  // well past its own join timeout.
  EXPECT_GT(rb.job.waiting_s, ra.job.completion_s - 1.0) << "it waited for the first job's nodes";
  EXPECT_GT(rb.job.waiting_s, 4 * waiting.cluster.join_timeout_s);
}

TEST(ConcurrentJobs, ANodeLostByOneJobIsReplacedByAFreeNodeAndTheOtherJobIsUntouched) {
  const auto first = job(2, 4, 1), second = job(2, 4, 2);
  const auto solo_first = solo_fingerprint(first), solo_second = solo_fingerprint(second);
  ASSERT_FALSE(solo_first.empty() || solo_second.empty());

  // node-1 is the first job's (with equal given speeds, free nodes go in the
  // order they joined: node-1 to node-5); it goes down
  // after the first round either job ends. One node is free for it.
  std::atomic<bool> killed{false};
  caf::actor victim;
  std::mutex m;
  ConcurrentCluster c(2, 5, [&](const runtime::RoundRecord& r) {
    std::lock_guard<std::mutex> lock(m);
    if (r.round >= 1 && victim && !killed.exchange(true))
      caf::anon_send_exit(victim, caf::exit_reason::kill);
  });
  {
    std::lock_guard<std::mutex> lock(m);
    victim = c.nodes.front();
  }
  auto a = c.submit_later(first);
  auto b = c.submit_later(second, std::chrono::milliseconds(100));
  const auto ra = a.get(), rb = b.get();
  {
    // A handle kept would keep the node's thread (and the system) from ending.
    std::lock_guard<std::mutex> lock(m);
    victim = nullptr;
  }
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  // The lost node's work moved on; synchronous rounds train the same model.
  EXPECT_EQ(ra.model_fingerprint, solo_first);
  EXPECT_EQ(rb.model_fingerprint, solo_second);
  ASSERT_TRUE(killed);
  EXPECT_TRUE(training_nodes(ra).count("node-1"));
  EXPECT_FALSE(training_nodes(rb).count("node-1"));
  EXPECT_TRUE(training_nodes(ra).count("node-5")) << "the free node joined the job that lost one";
  EXPECT_FALSE(overlap(training_nodes(ra), training_nodes(rb)));
}

TEST(ConcurrentJobs,
     APreemptingJobDisplacesTheJobInHandOfTheLowestPriorityWhichResumesToItsSoloModel) {
  auto low = job(1, 40, 1), middle = job(1, 40, 2), high = job(1, 1, 3);
  low.cluster.priority = 1;
  middle.cluster.priority = 2;
  high.cluster.priority = 5;
  high.cluster.preempt = true;
  const auto solo_low = solo_fingerprint(low);
  ASSERT_FALSE(solo_low.empty());

  // Two slots and two nodes: the low and middle jobs hold both; the high one
  // arrives once both have ended a round.
  std::promise<void> both_ran;
  int first_rounds = 0;  // each job's round 1 (the scheduler calls this on its own thread)
  ConcurrentCluster c(2, 2, [&](const runtime::RoundRecord& r) {
    if (r.round == 1 && ++first_rounds == 2) both_ran.set_value();
  });
  auto a = c.submit_later(low);
  auto b = c.submit_later(middle, std::chrono::milliseconds(100));
  ASSERT_EQ(both_ran.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const auto rh = c.submit(high);
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(rh.status, runtime::RunStatus::ok) << rh.error;
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  EXPECT_EQ(ra.job.preempted, 1) << "the lowest priority yields";
  EXPECT_EQ(rb.job.preempted, 0);
  EXPECT_GT(ra.resumed_from_round, 0);
  // Paused and resumed at a round's end, it trains exactly the model it trains alone.
  EXPECT_EQ(ra.model_fingerprint, solo_low);
  // It waited for the low job's round to end, not for the middle job.
  EXPECT_LT(rh.job.waiting_s, 0.5 * rb.job.completion_s);
}

TEST(ConcurrentJobs, AJobWaitingForNodesKeepsThemFromJobsQueuedBehindIt) {
  ConcurrentCluster c(2, 2);
  auto big = job(3, 2, 1), small = job(2, 2, 2);
  big.cluster.min_nodes = 3;  // waits for a third node
  auto a = c.submit_later(big);
  auto b = c.submit_later(small, std::chrono::milliseconds(200));
  // The small job could start on the two free nodes, but the big one waits for them.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  c.join("node-3");
  const auto ra = a.get(), rb = b.get();
  ASSERT_EQ(ra.status, runtime::RunStatus::ok) << ra.error;
  ASSERT_EQ(rb.status, runtime::RunStatus::ok) << rb.error;
  EXPECT_EQ(training_nodes(ra).size(), 3U);
  EXPECT_GT(rb.job.waiting_s, ra.job.completion_s - 0.5) << "it started once the big job ended";
}
