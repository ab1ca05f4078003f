// Drop-outs, stragglers and attacks as decorators of a node behaviour, and
// the compute gate around one: tested with a fake behaviour, no cluster.
#include "runtime/node/misbehaving_node_behaviour.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/node/gated_node_behaviour.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

models::Parameters vec(std::vector<float> v) {
  models::Parameters p;
  p.add("w", models::DType::float32, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), p.float_data());
  return p;
}

std::vector<float> values(const models::Parameters& p) {
  return {p.float_data(), p.float_data() + p.numel()};
}

/// Trains by adding 1 to every value, taking 2 s by its own account.
class AddOne final : public NodeBehaviour {
 public:
  std::string name() const override { return "add-one"; }
  NodeData setup(const NodeSetup& s) override {
    return {std::vector<std::int64_t>(static_cast<std::size_t>(s.job.nodes), 5), 5};
  }
  models::TrainResult train(const models::Parameters& global, const LocalTask&,
                            models::Parameters& update) override {
    update = global;
    float* p = update.float_data();
    for (std::int64_t i = 0; i < update.numel(); ++i) p[i] += 1.0F;
    models::TrainResult r;
    r.samples = 5;
    r.seconds = 2.0;
    return r;
  }
  models::ClassificationMetrics evaluate(const models::Parameters&) override {
    models::ClassificationMetrics m;
    m.accuracy = 0.5;
    return m;
  }
};

NodeSetup setup_for(double job_dropout = 0.0, const std::string& node = "node-1") {
  NodeSetup s;
  s.node = node;
  s.job.nodes = 2;
  s.job.seed = 7;
  s.job.experiment.dropout = job_dropout;
  return s;
}

LocalTask task(std::uint64_t seed = 3) {
  LocalTask t;
  t.options.seed = seed;
  return t;
}

/// A behaviour misbehaving as `how`, whose waits add up in `waited`.
std::unique_ptr<MisbehavingNodeBehaviour> wrapped(Misbehaviour how, double* waited = nullptr) {
  return std::make_unique<MisbehavingNodeBehaviour>(std::make_unique<AddOne>(), how,
                                                    [waited](double s) {
                                                      if (waited) *waited += s;
                                                    });
}

int dropped_of(const MisbehavingNodeBehaviour& b, int tasks) {
  int n = 0;
  for (int id = 1; id <= tasks; ++id) n += b.drops(id) ? 1 : 0;
  return n;
}

}  // namespace

TEST(MisbehavingNodeBehaviour, AnHonestNodePassesEveryCallOnUnchanged) {
  double waited = 0.0;
  auto b = wrapped({}, &waited);
  EXPECT_EQ(b->name(), "add-one");
  EXPECT_EQ(b->setup(setup_for()).sizes().size(), 2u);
  models::Parameters update;
  const auto r = b->train(vec({1, 2}), task(), update);
  EXPECT_EQ(values(update), (std::vector<float>{2, 3}));
  EXPECT_DOUBLE_EQ(r.seconds, 2.0);
  EXPECT_DOUBLE_EQ(waited, 0.0);
  EXPECT_EQ(dropped_of(*b, 100), 0);
  EXPECT_EQ(b->attack_label(), "");
  EXPECT_DOUBLE_EQ(b->evaluate(vec({1, 2})).accuracy, 0.5);
}

TEST(MisbehavingNodeBehaviour, AStragglerWaitsAfterTrainingAndReportsTheLongerTime) {
  // Given a node 3 times slower than its compute
  double waited = 0.0;
  Misbehaviour how;
  how.slow_factor = 3.0;
  auto b = wrapped(how, &waited);
  b->setup(setup_for());
  // When it trains for 2 s
  models::Parameters update;
  const auto r = b->train(vec({0}), task(), update);
  // Then it waits the other 4 s and reports 6
  EXPECT_DOUBLE_EQ(waited, 4.0);
  EXPECT_DOUBLE_EQ(r.seconds, 6.0);
  EXPECT_EQ(values(update), (std::vector<float>{1}));
}

TEST(MisbehavingNodeBehaviour, AnAttackerAltersItsUpdateAndLabelsIt) {
  Misbehaviour how;
  how.attack = "signflip";
  how.attack_scale = 2.0;
  auto b = wrapped(how);
  b->setup(setup_for());
  models::Parameters update;
  b->train(vec({1, 1}), task(), update);
  // The honest change +1 becomes -2.
  EXPECT_EQ(values(update), (std::vector<float>{-1, -1}));
  EXPECT_EQ(b->attack_label(), "signflip:2");
}

TEST(MisbehavingNodeBehaviour, AnUnknownAttackFailsTheSetUp) {
  Misbehaviour how;
  how.attack = "gentle";
  EXPECT_THROW(wrapped(how)->setup(setup_for()), std::invalid_argument);
}

TEST(MisbehavingNodeBehaviour, DropOutsFollowTheProbabilityAndRepeatInAReRun) {
  Misbehaviour how;
  how.dropout = 0.5;
  auto a = wrapped(how);
  auto again = wrapped(how);
  a->setup(setup_for());
  again->setup(setup_for());
  const int dropped = dropped_of(*a, 1000);
  EXPECT_GT(dropped, 430);
  EXPECT_LT(dropped, 570);
  for (int id = 1; id <= 1000; ++id) ASSERT_EQ(a->drops(id), again->drops(id)) << id;
  // Another node drops other tasks.
  auto other = wrapped(how);
  other->setup(setup_for(0.0, "node-2"));
  int differ = 0;
  for (int id = 1; id <= 1000; ++id) differ += a->drops(id) != other->drops(id) ? 1 : 0;
  EXPECT_GT(differ, 300);
}

TEST(MisbehavingNodeBehaviour, TheJobsDropOutAppliesUnlessTheNodeSetsItsOwn) {
  auto by_job = wrapped({});
  by_job->setup(setup_for(0.3));
  EXPECT_GT(dropped_of(*by_job, 1000), 200);
  Misbehaviour never;
  never.dropout = 0.0;
  auto own = wrapped(never);
  own->setup(setup_for(0.3));
  EXPECT_EQ(dropped_of(*own, 1000), 0);
}

TEST(Misbehaviour, TheFirstNodesOfAnEmbeddedClusterAttackAndTheLastAreSlow) {
  JobSpec job;
  job.nodes = 4;
  job.experiment.malicious = 1;
  job.experiment.attack = runtime::Attack::scale;
  job.experiment.attack_scale = 5.0;
  job.experiment.slow_nodes = 2;
  job.experiment.slow_factor = 4.0;
  EXPECT_EQ(Misbehaviour::of_embedded_node(job, 1).attack, "scale");
  EXPECT_DOUBLE_EQ(Misbehaviour::of_embedded_node(job, 1).attack_scale, 5.0);
  EXPECT_EQ(Misbehaviour::of_embedded_node(job, 2).attack, "");
  EXPECT_DOUBLE_EQ(Misbehaviour::of_embedded_node(job, 2).slow_factor, 1.0);
  EXPECT_DOUBLE_EQ(Misbehaviour::of_embedded_node(job, 3).slow_factor, 4.0);
  EXPECT_DOUBLE_EQ(Misbehaviour::of_embedded_node(job, 4).slow_factor, 4.0);
}

TEST(GatedNodeBehaviour, TrainsOnlyWithASlotOfTheGate) {
  // Given a one-slot gate whose slot is taken
  auto gate = std::make_shared<ComputeGate>(1);
  GatedNodeBehaviour b(std::make_unique<AddOne>(), gate);
  std::atomic<bool> trained{false};
  std::thread worker;
  {
    ComputeGate::Ticket held(*gate);
    worker = std::thread([&] {
      models::Parameters update;
      b.train(vec({0}), task(), update);
      trained = true;
    });
    // When the worker tries to train, it waits for the slot
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(trained);
  }
  // Then it trains once the slot is free
  worker.join();
  EXPECT_TRUE(trained);
}

TEST(GatedNodeBehaviour, WithoutAGatePassesCallsOn) {
  GatedNodeBehaviour b(std::make_unique<AddOne>(), nullptr);
  EXPECT_EQ(b.name(), "add-one");
  models::Parameters update;
  b.train(vec({4}), task(), update);
  EXPECT_EQ(values(update), (std::vector<float>{5}));
  EXPECT_DOUBLE_EQ(b.evaluate(vec({4})).accuracy, 0.5);
}

TEST(AttackLabel, RoundTripsTheAttackAndItsFactorInFullPrecision) {
  EXPECT_EQ(attack_label("", 3.0), "");
  const auto label = attack_label("random", 0.1);
  EXPECT_EQ(label, "random:0.10000000000000001");
  const auto [attack, factor] = parse_attack_label(label, 7.0);
  EXPECT_EQ(attack, Attack::random);
  EXPECT_EQ(factor, 0.1);
  EXPECT_EQ(parse_attack_label("scale", 7.0).second, 7.0);
  EXPECT_THROW(parse_attack_label("gentle:1", 7.0), std::invalid_argument);
}
