// Both aggregator cores behind one interface: the shared contract.
#include "runtime/aggregation/aggregator_core.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/aggregation/parameter_fixtures.hpp"
#include "runtime/aggregation/sync_aggregator.hpp"

using troupe::models::DType;
using troupe::models::Parameters;
using namespace troupe::runtime;

namespace {

using troupe::test::vec;

Update update(std::int64_t task, Parameters p) {
  Update u;
  u.task_id = task;
  u.round = 1;
  u.node = "n" + std::to_string(task);
  u.shard = 0;
  u.samples = 10;
  u.params = std::move(p);
  return u;
}

using CoreMaker = std::function<std::unique_ptr<AggregatorCore>()>;

struct Core {
  std::string name;
  CoreMaker make;
};

std::vector<Core> cores() {
  return {{"sync",
           [] {
             return std::make_unique<SyncAggregator>(make_strategy("fedavg"), vec({0, 0}),
                                                     SyncOptions{});
           }},
          {"fedasync",
           [] {
             return std::make_unique<AsyncAggregator>(AsyncOptions{}, vec({0, 0}));
           }},
          {"fedbuff", [] {
             AsyncOptions o;
             o.buffered = true;
             o.buffer_size = 2;
             return std::make_unique<AsyncAggregator>(o, vec({0, 0}));
           }}};
}

class AggregatorContract : public ::testing::TestWithParam<Core> {};

}  // namespace

TEST_P(AggregatorContract, StartsAtVersionZeroHoldingTheInitialModel) {
  auto core = GetParam().make();
  EXPECT_EQ(core->version(), 0);
  ASSERT_NE(core->get(0), nullptr);
  EXPECT_EQ(core->get(0)->bytes, vec({0, 0}).bytes);
  EXPECT_EQ(core->get(1), nullptr);
}

TEST_P(AggregatorContract, AValidUpdateIsAcceptedAndAggregatingMakesAHeldVersion) {
  auto core = GetParam().make();
  const auto v = core->accept(update(1, vec({2, 2})));
  ASSERT_FALSE(v.refused()) << v.reason;
  EXPECT_TRUE(v.receipt.accepted);
  const auto out = core->aggregate({1, {1}, {}, {}});
  EXPECT_TRUE(out.changed || v.receipt.new_version);
  EXPECT_EQ(out.version, core->version());
  EXPECT_GT(core->version(), 0);
  ASSERT_NE(core->get(core->version()), nullptr);
  EXPECT_EQ(out.fingerprint, troupe::models::fingerprint(*core->get(core->version())));
}

TEST_P(AggregatorContract, AnUpdateOfAnotherLayoutIsRefusedAsInvalid) {
  auto core = GetParam().make();
  const auto v = core->accept(update(1, vec({1, 2, 3})));
  EXPECT_EQ(v.refusal, Refusal::invalid);
  EXPECT_NE(v.reason.find("update of task 1 rejected"), std::string::npos) << v.reason;
  EXPECT_EQ(core->version(), 0);
}

INSTANTIATE_TEST_SUITE_P(BothModes, AggregatorContract, ::testing::ValuesIn(cores()),
                         [](const auto& info) { return info.param.name; });

TEST(AsyncAggregatorCore, ASnapshotHoldsItsVersionsAndArrivalsForACheckpoint) {
  AsyncAggregator core(AsyncOptions{}, vec({0, 0}));
  core.accept(update(4, vec({1, 1})));
  core.accept(update(5, vec({1, 1})));
  const auto s = core.snapshot(1);
  EXPECT_EQ(s.version, 2);
  EXPECT_EQ(s.async.held_versions, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(s.async.held_models.back().bytes, s.model.bytes);
  EXPECT_EQ(s.async.arrivals, 2);
  EXPECT_TRUE(core.arrived(5));
  EXPECT_FALSE(core.arrived(6));
}

TEST(AsyncAggregatorCore, TellsItsListenerEveryEvent) {
  AsyncAggregator core(AsyncOptions{}, vec({0, 0}));
  std::vector<std::int64_t> heard;
  core.set_listener([&](const AsyncEvent& e) { heard.push_back(e.update.task_id); });
  core.accept(update(4, vec({1, 1})));
  core.accept(update(5, vec({1, 1})));
  core.aggregate({});
  EXPECT_EQ(heard, (std::vector<std::int64_t>{4, 5, 0}));
  EXPECT_EQ(core.events().size(), 3u);
}
