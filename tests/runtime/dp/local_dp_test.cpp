// Local DP on the node, and central DP in FedBuff's buffer.
#include "runtime/dp/local_dp_node_behaviour.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/aggregation/parameter_fixtures.hpp"

using troupe::models::Parameters;
using namespace troupe::runtime;
using troupe::test::values;
using troupe::test::vec;

namespace {

double distance(const Parameters& a, const Parameters& b) {
  double s = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(a.numel()); ++i) {
    const double d = a.float_data()[i] - b.float_data()[i];
    s += d * d;
  }
  return std::sqrt(s);
}

/// Trains by adding 10 to every value.
class AddTen final : public NodeBehaviour {
 public:
  std::string name() const override { return "add-ten"; }
  NodeData setup(const NodeSetup&) override { return {{100}, 0}; }
  troupe::models::TrainResult train(const Parameters& global, const LocalTask&,
                                    Parameters& update) override {
    update = global;
    for (std::int64_t i = 0; i < update.numel(); ++i) update.float_data()[i] += 10.0f;
    return {};
  }
  troupe::models::ClassificationMetrics evaluate(const Parameters&) override { return {}; }
};

Parameters train_with(DpMode mode) {
  LocalDpNodeBehaviour node(std::make_unique<AddTen>());
  NodeSetup setup;
  setup.job.privacy.mode = mode;
  setup.job.privacy.clip_norm = 1.0;
  setup.job.privacy.noise_multiplier = 1e-9;
  node.setup(setup);
  Parameters update;
  LocalTask task;
  task.options.seed = 5;
  node.train(vec({0, 0, 0, 0}), task, update);
  return update;
}

}  // namespace

TEST(LocalDp, TheDecoratorPrivatisesUpdatesOnlyWithDpLocal) {
  // The change (10, 10, 10, 10) has norm 20: clipped to 1, each value 0.5.
  for (float v : values(train_with(DpMode::local))) EXPECT_NEAR(v, 0.5, 1e-5);
  for (float v : values(train_with(DpMode::distributed))) EXPECT_NEAR(v, 0.5, 1e-5);
  for (float v : values(train_with(DpMode::none))) EXPECT_EQ(v, 10.0f);
  for (float v : values(train_with(DpMode::central))) EXPECT_EQ(v, 10.0f);
}

TEST(LocalDp, AnUpdateIsClippedAndNoisedWithSigmaTimesClip) {
  const std::size_t n = 100000;
  const Parameters global = vec(std::vector<float>(n, 1.0f));
  std::vector<float> far(n, 1.0f);
  far[0] = 1001.0f;  // a change of norm 1000
  Parameters u = vec(far);
  privatise_update(global, u, /*clip=*/2.0, /*sigma=*/0.5, /*seed=*/9);
  // The clipped change moves coordinate 0 by 2; the noise has sd 0.5 * 2 = 1.
  double sq = 0;
  for (std::size_t i = 1; i < n; ++i) sq += (u.float_data()[i] - 1.0) * (u.float_data()[i] - 1.0);
  EXPECT_NEAR(std::sqrt(sq / (n - 1)), 1.0, 0.01);
  EXPECT_LT(u.float_data()[0], 1.0 + 2.0 + 6.0);  // clipped: never near 1001
  Parameters again = vec(far);
  privatise_update(global, again, 2.0, 0.5, 9);
  EXPECT_EQ(values(u), values(again));
}

TEST(DistributedDp, EachNodeAddsItsShareOfTheNoiseSigmaClipOverSqrtM) {
  // Given 25 updates per sum (--clients-per-round), sigma 2 and clip 1: each
  // node's noise has sd 2 / sqrt(25) = 0.4, so 25 of them sum to sd 2.
  const std::size_t n = 100000;
  LocalDpNodeBehaviour node(std::make_unique<AddTen>());
  NodeSetup setup;
  setup.job.nodes = 100;
  setup.job.sync.clients_per_round = 25;
  setup.job.privacy.mode = DpMode::distributed;
  setup.job.privacy.secure_aggregation = true;
  setup.job.privacy.clip_norm = 1.0;
  setup.job.privacy.noise_multiplier = 2.0;
  setup.job.privacy.reproducible_noise = true;
  node.setup(setup);
  std::vector<float> start(n, 0.0f);
  Parameters update;
  LocalTask task;
  task.options.seed = 7;
  node.train(vec(start), task, update);
  // The change (10, ..., 10) is clipped to norm 1: 1 / sqrt(n) per coordinate.
  const double clipped = 1.0 / std::sqrt(static_cast<double>(n));
  double sq = 0;
  for (float v : values(update)) sq += (v - clipped) * (v - clipped);
  EXPECT_NEAR(std::sqrt(sq / n), 0.4, 0.004);
}

TEST(LocalDp, ALayoutThatDoesNotMatchTheGlobalModelIsRefused) {
  Parameters u = vec({1, 2, 3});
  EXPECT_THROW(privatise_update(vec({1, 2}), u, 1.0, 1.0, 1), std::invalid_argument);
}

TEST(BufferedDp, EachBufferIsClippedNoisedAndDividedByTheBufferSize) {
  AsyncOptions o;
  o.buffered = true;
  o.buffer_size = 2;
  o.staleness = StalenessFunction::make(Staleness::constant, 0, 0);
  o.dp_noise_multiplier = 1e-9;
  o.dp_clip_norm = 1.0;
  AsyncAggregator plain_dp(o, vec({0, 0}));
  Update a;
  a.params = vec({30, 40});  // norm 50: clipped to (0.6, 0.8)
  Update b;
  b.task_id = 1;
  b.params = vec({0, 0});
  plain_dp.add(a);
  const auto e = plain_dp.add(b);
  ASSERT_TRUE(e.new_version);
  // (0.6 + 0) / 2 and (0.8 + 0) / 2: the sum over K = 2, clipped.
  EXPECT_NEAR(values(plain_dp.current())[0], 0.3, 1e-5);
  EXPECT_NEAR(values(plain_dp.current())[1], 0.4, 1e-5);
  // With real noise the model moves away from that by about sigma * C / K.
  o.dp_noise_multiplier = 4.0;
  AsyncAggregator noisy(o, vec({0, 0}));
  noisy.add(a);
  noisy.add(b);
  EXPECT_GT(distance(noisy.current(), plain_dp.current()), 0.05);
}
