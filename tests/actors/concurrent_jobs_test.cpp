// Several jobs at once on one scheduler (SchedulerConfig::concurrent_jobs),
// in one process: each job in hand has its own aggregator and its own nodes,
// trains the model it trains alone, and a queued job waits for nodes that
// others hold without running out its join timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "concurrent_cluster.hpp"

using namespace troupe;
using test::ConcurrentCluster;
using test::job;
using test::overlap;
using test::solo_fingerprint;
using test::training_nodes;

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
  // On nodes of their own, each job places its own tasks.
  EXPECT_EQ(ra.job.placed_jointly, 0);
  EXPECT_EQ(rb.job.placed_jointly, 0);
}

TEST(ConcurrentJobs, AQueuedJobWaitsForNodesOthersHoldPastItsJoinTimeoutThenTakesThem) {
  ConcurrentCluster c(2, 2);
  auto long_job = job(2, 60, 1);  // about 2 s: several times the join timeout
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
