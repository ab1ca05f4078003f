// Secure aggregation end to end in one process: a synchronous job under
// --secure-aggregation gives plain FedAvg's model within quantisation error,
// a node that vanishes mid-protocol is recovered from the others' shares, and
// messages the aggregator must not take are refused with their reason.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <cmath>
#include <cstring>

#include "actors/aggregator_actor.hpp"
#include "actors/cluster.hpp"
#include "actors/errors.hpp"
#include "runtime/io/checkpoint.hpp"
#include "runtime/secure/secure_round.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

runtime::JobSpec small_job(int nodes) {
  runtime::JobSpec job;
  job.nodes = nodes;
  job.rounds = 2;
  job.data.train_limit = 3000;
  job.data.test_limit = 1000;
  job.train.model = runtime::ModelKind::mlp;
  job.data.data_dir = test::fashion_mnist_dir();
  job.cluster.task_timeout_s = 10;  // a stage waits 2 s for a vanished node
  return job;
}

std::vector<float> floats_of(const models::Parameters& p) {
  std::vector<float> out(p.bytes.size() / sizeof(float));
  std::memcpy(out.data(), p.bytes.data(), out.size() * sizeof(float));
  return out;
}

/// ||a - b|| / ||a|| over every parameter.
double relative_error(const models::Parameters& a, const models::Parameters& b) {
  const auto x = floats_of(a), y = floats_of(b);
  EXPECT_EQ(x.size(), y.size());
  double diff = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    diff += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    norm += double(x[i]) * x[i];
  }
  return std::sqrt(diff / norm);
}

}  // namespace

TEST(SecureAggregation, ASyncJobEndsWithPlainFedAvgsModelWithinQuantisationError) {
  test::TempDir dir;
  auto plain = small_job(3);
  plain.checkpoint.dir = dir.file("plain");
  auto secure = plain;
  secure.privacy.secure_aggregation = true;
  secure.checkpoint.dir = dir.file("secure");
  const auto a = actors::run_embedded(plain);
  const auto b = actors::run_embedded(secure);
  ASSERT_EQ(a.status, runtime::RunStatus::ok) << a.error;
  ASSERT_EQ(b.status, runtime::RunStatus::ok) << b.error;
  const auto error = relative_error(runtime::read_checkpoint(plain.checkpoint.dir).model,
                                    runtime::read_checkpoint(secure.checkpoint.dir).model);
  EXPECT_LE(error, 1e-6);
  EXPECT_GT(error, 0.0) << "the secure run should go through fixed point, not the plain path";
  EXPECT_NEAR(b.final_metrics.accuracy, a.final_metrics.accuracy, 0.002);
  ASSERT_EQ(b.rounds.size(), 2u);
  for (const auto& r : b.rounds) {
    EXPECT_EQ(r.secure.sums, 1) << "round " << r.round;
    EXPECT_EQ(r.secure.participants, 3);
    EXPECT_EQ(r.secure.included, 3);
    EXPECT_EQ(r.secure.recovered, 0);
    EXPECT_EQ(r.updates, 3);
  }
  for (const auto& r : a.rounds) EXPECT_EQ(r.secure.sums, 0);
}

TEST(SecureAggregation, ANodeThatVanishesAfterSharingItsKeysIsRecoveredAndTheRoundCompletes) {
  auto job = small_job(4);
  job.privacy.secure_aggregation = true;
  actors::EmbeddedOptions options;
  // Speeds measured under load (a busy CI machine) can be more than twice
  // apart and put two of a round's four tasks on node-2: its vanishing then
  // drops half the cohort, more than a secure sum is built to recover (a
  // third). Equal given speeds place one task on each node.
  options.node_speed = 1.0;
  options.spawn_node = [](caf::actor_system& system, actors::NodeConfig config) {
    if (config.name == "node-2")
      config.secure_vanish_after = static_cast<int>(runtime::SecureStage::share);
    return actors::spawn_node(system, std::move(config));
  };
  const auto report = actors::run_embedded(job, options);
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  ASSERT_EQ(report.rounds.size(), 2u);
  for (const auto& r : report.rounds) {
    EXPECT_EQ(r.secure.sums, 1) << "round " << r.round;
    EXPECT_EQ(r.secure.participants, 4);
    EXPECT_EQ(r.secure.included, 3);
    EXPECT_EQ(r.secure.recovered, 1);
  }
  for (int round = 1; round <= 2; ++round) {
    int on_node_2 = 0;
    for (const auto& t : report.tasks)
      on_node_2 += t.kind == runtime::TaskKind::train && t.round == round && t.node == "node-2";
    EXPECT_EQ(on_node_2, 1) << "round " << round;
  }
  EXPECT_GT(report.final_metrics.accuracy, 0.6);
}

TEST(SecureAggregation, LocalDpNoiseIsMaskedAndSummedLikeAnyUpdate) {
  // The nodes' noised updates are what they mask: the job runs, and its
  // rounds are secure sums of every node.
  auto job = small_job(3);
  job.privacy.secure_aggregation = true;
  job.privacy.mode = runtime::DpMode::local;
  job.privacy.noise_multiplier = 0.01;
  job.privacy.clip_norm = 5.0;
  job.privacy.reproducible_noise = true;
  const auto report = actors::run_embedded(job);
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  for (const auto& r : report.rounds) EXPECT_EQ(r.secure.included, 3) << "round " << r.round;
  EXPECT_GT(report.final_metrics.accuracy, 0.5);
}

namespace {

struct SecureAggregator : ::testing::Test {
  static caf::actor_system_config& cfg() {
    static caf::actor_system_config c;
    static bool once = [] {
      actors::configure(c);
      c.set("scheduler.max-threads", 2);
      return true;
    }();
    (void)once;
    return c;
  }
  caf::actor_system sys{cfg()};
  caf::scoped_actor self{sys};
  actors::aggregator_actor agg;
  runtime::JobSpec job = small_job(3);

  void SetUp() override {
    agg = actors::spawn_aggregator(sys);
    job.privacy.secure_aggregation = true;
    job.cluster.task_timeout_s = 1.5;  // stages wait 0.3 s
    job.run_id = 42;
    bool ok = false;
    self->request(agg, std::chrono::seconds(30), actors::setup_atom::value, job)
        .receive([&](std::int64_t) { ok = true; },
                 [&](caf::error& e) { ADD_FAILURE() << actors::describe(e, sys); });
    ASSERT_TRUE(ok);
  }

  // Messages still waiting hold response promises, and with them the aggregator.
  void TearDown() override { self->send_exit(agg, caf::exit_reason::user_shutdown); }

  /// The aggregator's answer to `msg`: empty when it answered with a
  /// message, else the refusal's text.
  std::string refusal(const actors::SecAggMessage& msg) {
    std::string why = "(no answer)";
    self->request(agg, std::chrono::seconds(10), actors::secagg_atom::value, msg)
        .receive([&](const actors::SecAggMessage&) { why.clear(); },
                 [&](caf::error& e) { why = actors::describe(e, sys); });
    return why;
  }

  actors::SecAggMessage message(std::int64_t task, runtime::SecureStage stage) const {
    actors::SecAggMessage m;
    m.run_id = job.run_id;
    m.cohort = 1;
    m.task_id = task;
    m.stage = static_cast<std::int32_t>(stage);
    m.payload = {1, 2, 3};
    return m;
  }
};

}  // namespace

TEST_F(SecureAggregator, RefusesAMessageOfAnEarlierJob) {
  auto m = message(7, runtime::SecureStage::advertise);
  m.run_id = 41;
  EXPECT_NE(refusal(m).find("earlier job"), std::string::npos) << refusal(m);
}

TEST_F(SecureAggregator, RefusesAMessageOfAnUnknownStage) {
  auto m = message(7, runtime::SecureStage::advertise);
  m.stage = 9;
  EXPECT_NE(refusal(m).find("unknown stage"), std::string::npos);
}

TEST_F(SecureAggregator, RefusesAReplayedAdvertisementNamingTheTask) {
  // The first one waits for the round's aggregate request; its copy is refused at once.
  self->send(agg, actors::secagg_atom::value, message(7, runtime::SecureStage::advertise));
  const auto why = refusal(message(7, runtime::SecureStage::advertise));
  EXPECT_NE(why.find("task 7"), std::string::npos) << why;
  EXPECT_NE(why.find("replay"), std::string::npos) << why;
}

TEST_F(SecureAggregator, RefusesSharesFromATaskThatDidNotJoinTheSum) {
  self->send(agg, actors::secagg_atom::value, message(7, runtime::SecureStage::advertise));
  const auto why = refusal(message(8, runtime::SecureStage::share));
  EXPECT_NE(why.find("task 8"), std::string::npos) << why;
}

TEST_F(SecureAggregator, FailsTheRoundWithAClearMessageWhenTooFewValidAdvertisementsCame) {
  // Two malformed advertisements and a third task that never advertises: the
  // round fails at the stage deadline, naming why, and does not hang.
  self->send(agg, actors::secagg_atom::value, message(7, runtime::SecureStage::advertise));
  self->send(agg, actors::secagg_atom::value, message(8, runtime::SecureStage::advertise));
  runtime::AggregateRequest req;
  req.round = 1;
  req.task_ids = {7, 8, 9};
  std::string why;
  self->request(agg, std::chrono::seconds(10), actors::aggregate_atom::value, req)
      .receive([&](const actors::AggregateOutcome&) { why = "(aggregated)"; },
               [&](caf::error& e) { why = actors::describe(e, sys); });
  EXPECT_NE(why.find("secure aggregation of round 1 failed"), std::string::npos) << why;
  // The round is over: a late message for it is refused as such.
  const auto late = refusal(message(9, runtime::SecureStage::advertise));
  EXPECT_NE(late.find("aggregated"), std::string::npos) << late;
}

namespace {

/// A join of task `task` (buffered mode: cohort 0, trained from `base`).
actors::SecAggMessage join_message(const runtime::JobSpec& job, std::int64_t task,
                                   std::int64_t base = 0) {
  actors::SecAggMessage m;
  m.run_id = job.run_id;
  m.task_id = task;
  m.stage = static_cast<std::int32_t>(runtime::SecureStage::join);
  m.base_version = base;
  return m;
}

}  // namespace

TEST_F(SecureAggregator, RefusesAJoinWhenTheJobRunsNoBuffers) {
  const auto why = refusal(join_message(job, 7));
  EXPECT_NE(why.find("task 7"), std::string::npos) << why;
  EXPECT_NE(why.find("runs no buffers"), std::string::npos) << why;
}

TEST_F(SecureAggregator, InBufferedModeRefusesASecondJoinAndMessagesForABufferNotRunning) {
  job.collab.mode = runtime::Mode::buffered;
  job.async.buffer_size = 3;
  self->request(agg, std::chrono::seconds(30), actors::setup_atom::value, job)
      .receive([](std::int64_t) {}, [&](caf::error& e) { FAIL() << actors::describe(e, sys); });
  // The first join waits in the open cohort; its copy is refused at once.
  self->send(agg, actors::secagg_atom::value, join_message(job, 7));
  const auto again = refusal(join_message(job, 7));
  EXPECT_NE(again.find("task 7"), std::string::npos) << again;
  EXPECT_NE(again.find("replay"), std::string::npos) << again;
  auto stray = message(8, runtime::SecureStage::advertise);
  stray.cohort = 5;
  const auto why = refusal(stray);
  EXPECT_NE(why.find("buffer 5"), std::string::npos) << why;
  EXPECT_NE(why.find("not running"), std::string::npos) << why;
  const auto stale = refusal(join_message(job, 9, /*base=*/3));
  EXPECT_NE(stale.find("base version 3"), std::string::npos) << stale;
}

TEST_F(SecureAggregator, InBufferedModeALoneJoinerIsExcludedAtTheJoinDeadline) {
  job.collab.mode = runtime::Mode::buffered;
  job.async.buffer_size = 3;
  self->request(agg, std::chrono::seconds(30), actors::setup_atom::value, job)
      .receive([](std::int64_t) {}, [&](caf::error& e) { FAIL() << actors::describe(e, sys); });
  // Answered at the join deadline (a stage timeout, 0.3 s), not left waiting.
  const auto why = refusal(join_message(job, 7));
  EXPECT_NE(why.find("task 7"), std::string::npos) << why;
  EXPECT_NE(why.find("alone"), std::string::npos) << why;
}
