// The aggregator refuses bad updates with a reason, and keeps accepting good ones.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "actors/aggregator_actor.hpp"
#include "actors/cluster.hpp"
#include "actors/errors.hpp"

using namespace troupe;

namespace {

struct AggregatorValidation : ::testing::Test {
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
  models::Parameters global;

  void SetUp() override {
    actors::AggregatorConfig ac;
    ac.limits.max_bytes = 8 << 20;
    ac.limits.max_pending_per_node = 2;
    agg = actors::spawn_aggregator(sys, ac);
    runtime::JobSpec job;
    job.train.model = runtime::ModelKind::mlp;
    std::int64_t version = -1;
    self->request(agg, std::chrono::seconds(30), actors::setup_atom::value, job)
        .receive([&](std::int64_t v) { version = v; },
                 [&](caf::error& e) { FAIL() << sys.render(e); });
    ASSERT_EQ(version, 0);
    self->request(agg, std::chrono::seconds(30), actors::model_atom::value, std::int64_t{0})
        .receive([&](std::int64_t, actors::SharedModel& m) { global = *m.params; },
                 [&](caf::error& e) { FAIL() << sys.render(e); });
  }
  void TearDown() override { self->send_exit(agg, caf::exit_reason::user_shutdown); }

  actors::ModelUpdate update(std::int64_t task, const std::string& node = "n1") {
    actors::ModelUpdate u;
    u.task_id = task;
    u.round = 1;
    u.node = node;
    u.base_version = 0;
    u.samples = 10;
    u.params = global;
    return u;
  }

  /// "" when accepted, else the error text.
  std::string send(actors::ModelUpdate u) {
    std::string out = "no answer";
    self->request(agg, std::chrono::seconds(30), actors::update_atom::value, std::move(u))
        .receive([&](runtime::UpdateReceipt& r) { out = r.accepted ? "" : "refused: " + r.reason; },
                 [&](caf::error& e) { out = actors::describe(e, sys); });
    return out;
  }
};

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_F(AggregatorValidation, AGoodUpdateIsAcknowledged) {
  EXPECT_EQ(send(update(1)), "");
}

TEST_F(AggregatorValidation, AnUpdateWithANanIsRejectedNamingTheTensorAndIndex) {
  auto u = update(1);
  u.params.float_data()[3] = std::numeric_limits<float>::quiet_NaN();
  const auto why = send(std::move(u));
  EXPECT_TRUE(mentions(why, "update of task 1 rejected")) << why;
  EXPECT_TRUE(mentions(why, "value 3 is not finite (nan)")) << why;
}

TEST_F(AggregatorValidation, AWrongShapedUpdateIsRejected) {
  // A self-consistent update whose first tensor has one row too many.
  auto u = update(1);
  models::Parameters reshaped;
  for (const auto& t : global.tensors) {
    auto shape = t.shape;
    if (reshaped.tensors.empty()) shape[0] += 1;
    reshaped.add(t.name, t.dtype, shape);
  }
  u.params = std::move(reshaped);
  const auto why = send(std::move(u));
  EXPECT_TRUE(mentions(why, "has shape")) << why;
}

TEST_F(AggregatorValidation, AnOversizedUpdateIsRejected) {
  auto u = update(1);
  u.params.add("extra", models::DType::float32, {3 << 20});  // 12 MiB > 8 MiB limit
  EXPECT_TRUE(mentions(send(std::move(u)), "over the limit"));
}

TEST_F(AggregatorValidation, AnUpdateOnAnUnknownVersionIsRejected) {
  auto u = update(1);
  u.base_version = 41;
  EXPECT_TRUE(mentions(send(std::move(u)), "base version 41 is not held"));
}

TEST_F(AggregatorValidation, AnUpdateForAnotherRoundIsRejected) {
  auto u = update(1);
  u.round = 7;
  EXPECT_TRUE(mentions(send(std::move(u)), "is for round 7"));
}

TEST_F(AggregatorValidation, ADuplicateUpdateIsRejected) {
  ASSERT_EQ(send(update(1)), "");
  EXPECT_TRUE(mentions(send(update(1)), "duplicate update for task 1"));
}

TEST_F(AggregatorValidation, ANodeFloodingUpdatesIsCutOffAtItsPendingLimitOthersAreNot) {
  ASSERT_EQ(send(update(1)), "");
  ASSERT_EQ(send(update(2)), "");
  EXPECT_TRUE(mentions(send(update(3)), "already has 2 updates pending"));
  EXPECT_EQ(send(update(4, "n2")), "");
}

TEST_F(AggregatorValidation, AfterRejectionsAGoodUpdateStillGoesThroughAndAggregates) {
  auto bad = update(1);
  bad.params.float_data()[0] = std::numeric_limits<float>::infinity();
  ASSERT_NE(send(std::move(bad)), "");
  ASSERT_EQ(send(update(2)), "");
  actors::AggregateOutcome out;
  self->request(agg, std::chrono::seconds(30), actors::aggregate_atom::value,
                actors::AggregateRequest{1, {1, 2}, {}, {}})
      .receive([&](const actors::AggregateOutcome& o) { out = o; },
               [&](caf::error& e) { FAIL() << sys.render(e); });
  EXPECT_EQ(out.updates, 1);  // only the accepted one
  EXPECT_EQ(out.version, 1);
}

TEST_F(AggregatorValidation, ALateUpdateOfAnEarlierJobIsRefusedAndTheSameTaskOfThisJobIsNot) {
  // The next job is set up while a task of the previous one (same task id,
  // round and base version) is still in flight: its update must not count.
  runtime::JobSpec next;
  next.train.model = runtime::ModelKind::mlp;
  next.run_id = 0x5eed;
  self->request(agg, std::chrono::seconds(30), actors::setup_atom::value, next)
      .receive([](std::int64_t) {}, [&](caf::error& e) { FAIL() << sys.render(e); });
  auto late = update(1);
  late.run_id = 0x01d;
  const auto why = send(std::move(late));
  EXPECT_TRUE(mentions(why, "update of task 1 belongs to an earlier job")) << why;
  auto current = update(1);
  current.run_id = 0x5eed;
  EXPECT_EQ(send(std::move(current)), "");
}

TEST_F(AggregatorValidation, AnUpdateInPartsIsPutTogetherAndBadPartsAreRefused) {
  const auto part = [&](std::int64_t task, std::int64_t offset, std::size_t n,
                        std::int64_t total = -1) {
    actors::UpdatePart p;
    p.task_id = task;
    p.offset = offset;
    p.total = total >= 0 ? total : static_cast<std::int64_t>(global.bytes.size());
    p.bytes.assign(global.bytes.begin() + offset,
                   global.bytes.begin() + offset + static_cast<std::ptrdiff_t>(n));
    std::string out = "no answer";
    self->request(agg, std::chrono::seconds(30), actors::update_part_atom::value, std::move(p))
        .receive([&](bool) { out = ""; }, [&](caf::error& e) { out = actors::describe(e, sys); });
    return out;
  };
  const auto size = global.bytes.size();
  const auto half = size / 2;
  // In two parts, then the update without bytes: accepted as the whole one.
  ASSERT_EQ(part(1, 0, half), "");
  ASSERT_EQ(part(1, static_cast<std::int64_t>(half), size - half), "");
  auto u = update(1);
  u.params.bytes.clear();
  EXPECT_EQ(send(std::move(u)), "");
  // A total other than the model's is refused before anything is kept.
  EXPECT_TRUE(mentions(part(2, 0, 16, static_cast<std::int64_t>(size) * 1000), "the model has"));
  // A part that does not continue the ones before is refused, and drops them.
  ASSERT_EQ(part(3, 0, half), "");
  EXPECT_TRUE(mentions(part(3, static_cast<std::int64_t>(half) + 4, 8), "does not continue"));
  EXPECT_TRUE(mentions(part(3, static_cast<std::int64_t>(half), size - half), "does not continue"));
  // An update whose parts are incomplete is refused, naming the bytes it had.
  ASSERT_EQ(part(4, 0, half), "");
  auto short_one = update(4);
  short_one.params.bytes.clear();
  EXPECT_TRUE(mentions(send(std::move(short_one)), "bytes in parts"));
  // Parts of an earlier job are refused.
  actors::UpdatePart stale;
  stale.run_id = 12345;
  stale.task_id = 5;
  stale.total = static_cast<std::int64_t>(size);
  stale.bytes.assign(8, 0);
  std::string out;
  self->request(agg, std::chrono::seconds(30), actors::update_part_atom::value, stale)
      .receive([&](bool) { out = ""; }, [&](caf::error& e) { out = actors::describe(e, sys); });
  EXPECT_TRUE(mentions(out, "earlier job")) << out;
}
