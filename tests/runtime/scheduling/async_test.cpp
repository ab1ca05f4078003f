// Asynchronous aggregation (FedAsync, FedBuff), staleness functions, the
// asynchronous scheduling core, attacks, event-log parsing and sync rounds
// with client selection, deadlines and late updates.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/node/attacks.hpp"
#include "runtime/scheduling/async_job.hpp"
#include "runtime/scheduling/async_replay.hpp"
#include "runtime/scheduling/sync_job.hpp"
#include "test_util.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

models::Parameters params(const std::vector<float>& v) {
  models::Parameters p;
  p.add("w", models::DType::float32, {static_cast<std::int64_t>(v.size())});
  std::memcpy(p.bytes.data(), v.data(), v.size() * sizeof(float));
  return p;
}

std::vector<float> values(const models::Parameters& p) {
  const auto* f = p.float_data();
  return std::vector<float>(f, f + p.bytes.size() / sizeof(float));
}

Update update(std::int64_t task, std::int64_t base, const models::Parameters& p) {
  Update u;
  u.task_id = task;
  u.node = "n" + std::to_string(task);
  u.base_version = base;
  u.samples = 10;
  u.params = p;
  return u;
}

}  // namespace

TEST(Staleness, ConstantPolynomialAndHingeFollowXieEtAl) {
  auto c = StalenessFunction::parse("constant", 0.5, 4);
  EXPECT_DOUBLE_EQ(c(0), 1.0);
  EXPECT_DOUBLE_EQ(c(10), 1.0);
  auto p = StalenessFunction::parse("polynomial", 0.5, 4);
  EXPECT_DOUBLE_EQ(p(0), 1.0);
  EXPECT_DOUBLE_EQ(p(3), 0.5);  // (3 + 1)^-0.5
  auto h = StalenessFunction::parse("hinge", 2.0, 4);
  EXPECT_DOUBLE_EQ(h(4), 1.0);
  EXPECT_DOUBLE_EQ(h(6), 0.2);  // 1 / (2 (6 - 4) + 1)
  EXPECT_THROW(StalenessFunction::parse("linear", 1, 1), std::invalid_argument);
}

TEST(FedAsync, MixesEachUpdateOnArrivalWithAlphaTimesStaleness) {
  AsyncOptions o;
  o.alpha = 0.5;
  o.staleness = StalenessFunction::parse("polynomial", 1.0, 0);
  AsyncAggregator agg(o, params({0, 0}));
  const auto a = params({4, 8});
  auto e1 = agg.add(update(1, 0, a));  // tau 0: weight 0.5 -> (2, 4)
  EXPECT_TRUE(e1.accepted);
  EXPECT_TRUE(e1.new_version);
  EXPECT_EQ(e1.version, 1);
  EXPECT_DOUBLE_EQ(e1.weight, 0.5);
  EXPECT_EQ(values(agg.current()), (std::vector<float>{2, 4}));
  const auto b = params({6, 0});
  auto e2 = agg.add(update(2, 0, b));  // tau 1: weight 0.5 / 2 = 0.25 -> (3, 3)
  EXPECT_EQ(e2.staleness, 1);
  EXPECT_DOUBLE_EQ(e2.weight, 0.25);
  EXPECT_EQ(values(agg.current()), (std::vector<float>{3, 3}));
  EXPECT_EQ(agg.version(), 2);
  EXPECT_EQ(e2.fingerprint, models::fingerprint(agg.current()));
  // Older versions stay available to nodes that fetch them.
  ASSERT_TRUE(agg.get(1));
  EXPECT_EQ(values(*agg.get(1)), (std::vector<float>{2, 4}));
}

TEST(FedBuff, AppliesTheMeanStalenessWeightedChangeEveryKUpdates) {
  AsyncOptions o;
  o.buffered = true;
  o.buffer_size = 2;
  o.server_lr = 1.0;
  o.staleness = StalenessFunction::parse("constant", 0, 0);
  AsyncAggregator agg(o, params({1, 1}));
  const auto a = params({3, 1});  // delta (2, 0)
  const auto b = params({1, 5});  // delta (0, 4)
  auto e1 = agg.add(update(1, 0, a));
  EXPECT_TRUE(e1.accepted);
  EXPECT_FALSE(e1.new_version);
  EXPECT_EQ(agg.buffered(), 1);
  EXPECT_EQ(agg.version(), 0);
  auto e2 = agg.add(update(2, 0, b));
  EXPECT_TRUE(e2.new_version);
  EXPECT_EQ(agg.version(), 1);
  EXPECT_EQ(values(agg.current()), (std::vector<float>{2, 3}));  // 1 + (2+0)/2, 1 + (0+4)/2
  // A flush applies a partial buffer; an empty one changes nothing.
  const auto c = params({4, 3});  // delta from version 1: (2, 0)
  agg.add(update(3, 1, c));
  auto f = agg.flush();
  EXPECT_TRUE(f.flush);
  EXPECT_TRUE(f.new_version);
  EXPECT_EQ(values(agg.current()), (std::vector<float>{4, 3}));
  EXPECT_FALSE(agg.flush().new_version);
}

TEST(AsyncAggregator, DropsTooStaleUnknownAndMisshapenUpdatesWithAReason) {
  AsyncOptions o;
  o.max_staleness = 1;
  AsyncAggregator agg(o, params({0, 0}));
  const auto a = params({1, 1});
  agg.add(update(1, 0, a));
  agg.add(update(2, 1, a));
  auto stale = agg.add(update(3, 0, a));  // tau 2 > 1
  EXPECT_FALSE(stale.accepted);
  EXPECT_NE(stale.reason.find("staleness 2"), std::string::npos);
  auto future = agg.add(update(4, 9, a));
  EXPECT_FALSE(future.accepted);
  const auto wrong = params({1, 2, 3});
  auto shape = agg.add(update(5, 2, wrong));
  EXPECT_FALSE(shape.accepted);
  EXPECT_NE(shape.reason.find("layout"), std::string::npos);
  EXPECT_EQ(agg.version(), 2);
  EXPECT_EQ(agg.events().size(), 5u);
}

TEST(EventLog, LinesRoundTripAndBadLinesAreReportedWithTheirNumber) {
  AsyncEvent e;
  e.seq = 3;
  e.update.task_id = 17;
  e.update.node = "node-\"2\"";
  e.update.shard = 4;
  e.update.seed = 18411246753991292059ULL;
  e.update.base_version = 5;
  e.staleness = 2;
  e.weight = 0.123456789012345;
  e.accepted = true;
  e.version = 7;
  e.new_version = true;
  e.fingerprint = 0xfedcba9876543210ULL;
  const auto back = event_from_json_line(event_to_json_line(e));
  EXPECT_EQ(back.update.seed, e.update.seed);
  EXPECT_EQ(back.update.node, e.update.node);
  EXPECT_EQ(back.fingerprint, e.fingerprint);
  EXPECT_DOUBLE_EQ(back.weight, e.weight);
  EXPECT_THROW(event_from_json_line("{\"seq\": 1"), std::runtime_error);

  test::TempDir dir;
  const auto path = dir.file("log.jsonl");
  {
    std::ofstream out(path);
    out << "{\"job\": {\"mode\": \"async\", \"nodes\": 2}}\n" << event_to_json_line(e) << '\n';
  }
  try {
    read_event_log(path);
    FAIL() << "an event out of sequence must be refused";
  } catch (const std::runtime_error& err) {
    EXPECT_NE(std::string(err.what()).find("out of sequence"), std::string::npos);
  }
  {
    std::ofstream out(path);
    out << "{\"job\": {\"mode\": \"async\"}}\n{\"seq\": 1, \"task\": \n";
  }
  try {
    read_event_log(path);
    FAIL() << "a truncated line must be refused";
  } catch (const std::runtime_error& err) {
    EXPECT_NE(std::string(err.what()).find(":2:"), std::string::npos) << err.what();
  }
  EXPECT_THROW(read_event_log(dir.file("missing")), std::runtime_error);
}

TEST(Attacks, ScaleSignflipAndRandomAlterTheChange) {
  const auto base = params({1, 1});
  auto u = params({2, 3});  // delta (1, 2)
  apply_attack(Attack::scale, 10, base, u, 1);
  EXPECT_EQ(values(u), (std::vector<float>{11, 21}));
  u = params({2, 3});
  apply_attack(Attack::signflip, 2, base, u, 1);
  EXPECT_EQ(values(u), (std::vector<float>{-1, -3}));
  u = params({2, 3});
  apply_attack(Attack::random, 3, base, u, 7);
  const auto v = values(u);
  const double norm = std::hypot(v[0] - 1.0, v[1] - 1.0);
  EXPECT_NEAR(norm, 3 * std::sqrt(5.0), 1e-4);
  auto again = params({2, 3});
  apply_attack(Attack::random, 3, base, again, 7);
  EXPECT_EQ(values(again), v);  // seeded
  EXPECT_THROW(parse_attack("nice"), std::invalid_argument);
}

namespace {

JobSpec async_spec(int nodes, int rounds) {
  JobSpec j;
  j.collab.mode = runtime::Mode::async;
  j.nodes = nodes;
  j.rounds = rounds;
  return j;
}

std::vector<NodeInfo> nodes_named(int n) {
  std::vector<NodeInfo> out;
  for (int i = 1; i <= n; ++i) out.push_back({"node-" + std::to_string(i)});
  return out;
}

UpdateReceipt accepted(std::int64_t version) {
  UpdateReceipt r;
  r.accepted = true;
  r.version = version;
  r.new_version = true;
  return r;
}

}  // namespace

TEST(AsyncJob, KeepsEveryNodeBusyEvaluatesEveryNUpdatesAndDrainsAtTheEnd) {
  AsyncJob job(async_spec(2, 2), {100, 100}, 50, nodes_named(2));
  auto first = job.fill(0.0, 0);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(job.task(first[0]).shard, 0);
  EXPECT_EQ(job.task(first[1]).shard, 1);
  EXPECT_TRUE(job.fill(0.0, 0).empty());  // one task per node
  for (auto id : first) job.task_started(id, 0.0);
  job.train_done(first[0], 1.0, 100, 0.5, 1.0, accepted(1));
  EXPECT_FALSE(job.next_eval(1.0, 1));  // 1 of 2 updates
  auto again = job.fill(1.0, 1);        // node-1 is re-tasked at once
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(job.task(again[0]).node, "node-1");
  EXPECT_EQ(job.task(again[0]).base_version, 1);
  job.task_started(again[0], 1.0);
  job.train_done(first[1], 2.0, 100, 0.5, 1.0, accepted(2));
  auto eval = job.next_eval(2.0, 2);  // 2 updates: round 1 is due, node-2 is idle
  ASSERT_TRUE(eval);
  EXPECT_EQ(job.task(*eval).node, "node-2");
  EXPECT_EQ(job.task(*eval).kind, TaskKind::evaluate);
  job.task_started(*eval, 2.0);
  models::ClassificationMetrics m;
  m.accuracy = 0.5;
  job.eval_done(*eval, 3.0, m, 2);
  EXPECT_EQ(job.round(), 1);
  EXPECT_EQ(job.rounds()[0].updates, 2);
  // Two more updates end training: 4 = rounds x nodes.
  auto more = job.fill(3.0, 2);
  ASSERT_EQ(more.size(), 1u);  // node-2; node-1 still trains
  job.task_started(more[0], 3.0);
  job.train_done(again[0], 4.0, 100, 0.5, 1.0, accepted(3));
  EXPECT_TRUE(job.fill(4.0, 3).empty());  // 3 accepted + 1 in flight = 4
  EXPECT_FALSE(job.final_pending());      // still one in flight
  job.train_done(more[0], 5.0, 100, 0.5, 1.0, accepted(4));
  EXPECT_TRUE(job.final_pending());
  auto last = job.next_eval(5.0, 4);
  ASSERT_TRUE(last);
  job.task_started(*last, 5.0);
  job.eval_done(*last, 6.0, m, 4);
  EXPECT_TRUE(job.finished());
  const auto report = job.report(6.0, runtime::RunStatus::ok, "");
  EXPECT_EQ(report.versions.size(), 4u);
  EXPECT_EQ(report.mode, runtime::Mode::async);
}

TEST(AsyncJob, RefusedAndDroppedUpdatesAreCountedAndAFailingNodeIsLeftOut) {
  AsyncJob job(async_spec(2, 5), {100, 100}, 50, nodes_named(2));
  auto ids = job.fill(0.0, 0);
  for (auto id : ids) job.task_started(id, 0.0);
  UpdateReceipt refused;
  refused.reason = "staleness 9 exceeds the maximum 2";
  job.train_done(ids[0], 1.0, 100, 0.5, 1.0, refused);
  EXPECT_EQ(job.task(ids[0]).state, TaskState::failed);
  job.train_dropped(ids[1], 1.0, "node dropped out (simulated)");
  EXPECT_EQ(job.accepted(), 0);
  // node-2 fails three times in a row: no more tasks for it.
  for (int k = 0; k < kMaxConsecutiveFailures; ++k) {
    auto next = job.fill(2.0 + k, 0);
    for (auto id : next) {
      job.task_started(id, 2.0 + k);
      if (job.task(id).node == "node-2")
        job.task_failed(id, 2.5 + k, "boom");
      else
        job.train_done(id, 2.5 + k, 100, 0.5, 0.5, accepted(job.accepted() + 1));
    }
  }
  for (auto id : job.fill(9.0, 0)) EXPECT_EQ(job.task(id).node, "node-1");
  // Losing the last usable node leaves the job stuck (the scheduler fails it).
  job.fail_tasks_on("node-1", 10.0, "lost");
  job.set_nodes({{"node-2"}});
  EXPECT_TRUE(job.fill(10.0, 0).empty());
  EXPECT_TRUE(job.stuck());
}

TEST(SyncJobSelection, OverSelectsAndClosesTheRoundWithEnoughUpdates) {
  JobSpec spec;
  spec.nodes = 10;
  spec.rounds = 2;
  spec.sync.clients_per_round = 5;
  spec.sync.over_selection = 0.4;  // 7 started
  SyncJob job(spec, std::vector<std::int64_t>(10, 100), 50, make_allocator("priority"),
              nodes_named(10));
  auto ids = job.start_next_round(0.0);
  ASSERT_EQ(ids.size(), 7u);
  EXPECT_EQ(job.round_target(), 5);
  for (auto id : ids) job.task_started(id, 0.0);
  for (int k = 0; k < 4; ++k) job.train_done(ids[k], 1.0, 100, 0.5);
  EXPECT_FALSE(job.round_closable(1.0));
  job.train_done(ids[4], 1.0, 100, 0.5);
  EXPECT_TRUE(job.round_closable(1.0));
  const auto cancelled = job.close_training(1.0, "round closed with enough updates");
  EXPECT_EQ(cancelled.size(), 2u);
  EXPECT_TRUE(job.training_complete());
  EXPECT_EQ(job.accepted_updates().size(), 5u);
  job.late_arrival(cancelled[0]);  // before the round is recorded
  job.aggregated(0, 1, true);
  job.task_started(job.eval_task().id, 1.5);
  job.eval_done(job.eval_task().id, 2.0, models::ClassificationMetrics{}, 1);
  job.late_arrival(cancelled[1]);  // after
  job.late_arrival(cancelled[1]);  // counted once
  ASSERT_EQ(job.rounds().size(), 1u);
  EXPECT_EQ(job.rounds()[0].late, 2);
  EXPECT_EQ(job.rounds()[0].failed, 0);  // cancelled, not failed
  EXPECT_EQ(job.task(ids[0]).version, 1);
  EXPECT_EQ(job.task(ids[0]).base_version, 0);
  EXPECT_EQ(job.task(cancelled[0]).version, -1);
}

TEST(SyncJobSelection, TheDeadlineClosesARoundOnceMinUpdatesArrived) {
  JobSpec spec;
  spec.nodes = 3;
  spec.rounds = 1;
  spec.sync.round_deadline_s = 5.0;
  spec.sync.min_updates = 2;
  SyncJob job(spec, {100, 100, 100}, 50, make_allocator("priority"), nodes_named(3));
  auto ids = job.start_next_round(0.0);
  ASSERT_EQ(ids.size(), 3u);
  for (auto id : ids) job.task_started(id, 0.0);
  job.train_done(ids[0], 1.0, 100, 0.5);
  EXPECT_FALSE(job.round_closable(4.9));
  EXPECT_FALSE(job.round_closable(6.0));  // 1 < min updates
  job.train_done(ids[1], 7.0, 100, 0.5);
  EXPECT_TRUE(job.round_closable(7.0));
  EXPECT_EQ(job.close_training(7.0, "round deadline passed").size(), 1u);
}
