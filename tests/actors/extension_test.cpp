// Extension points of the embedded cluster: a registered node behaviour, and a
// program's own typed node actor in a node's place.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "actors/cluster.hpp"
#include "actors/node_actor.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

/// Adds 0.5 to every parameter and reports the first parameter as the test
/// loss: no data and no LibTorch, so the test sees exactly what the cluster did.
class PlusHalf final : public runtime::NodeBehaviour {
 public:
  std::string name() const override { return "test-plus-half"; }
  runtime::NodeData setup(const runtime::NodeSetup& s) override {
    return {std::vector<std::int64_t>(static_cast<std::size_t>(s.job.nodes), 100), 50};
  }
  models::TrainResult train(const models::Parameters& global, const runtime::LocalTask&,
                            models::Parameters& update) override {
    update = global;
    float* x = update.float_data();
    for (std::int64_t i = 0; i < update.numel(); ++i) x[i] += 0.5f;
    models::TrainResult r;
    r.samples = r.samples_seen = 100;
    return r;
  }
  models::ClassificationMetrics evaluate(const models::Parameters& global) override {
    models::ClassificationMetrics m;
    m.loss = global.float_data()[0];
    return m;
  }
};

/// A behaviour that returns parameters of another layout.
class Broken final : public runtime::NodeBehaviour {
 public:
  std::string name() const override { return "test-broken"; }
  runtime::NodeData setup(const runtime::NodeSetup& s) override {
    return {std::vector<std::int64_t>(static_cast<std::size_t>(s.job.nodes), 100), 50};
  }
  models::TrainResult train(const models::Parameters&, const runtime::LocalTask&,
                            models::Parameters& update) override {
    update = models::Parameters{};
    update.add("w", models::DType::float32, {3});
    return {};
  }
  models::ClassificationMetrics evaluate(const models::Parameters&) override { return {}; }
};

void register_test_behaviours() {
  static const bool once = [] {
    runtime::register_node_behaviour("test-plus-half", [] { return std::make_unique<PlusHalf>(); });
    runtime::register_node_behaviour("test-broken", [] { return std::make_unique<Broken>(); });
    return true;
  }();
  (void)once;
}

runtime::JobSpec plus_half_job() {
  register_test_behaviours();
  runtime::JobSpec job;
  job.nodes = 3;
  job.rounds = 2;
  job.train.model = runtime::ModelKind::mlp;
  job.compute.threads = 1;
  job.data.data_dir = test::fashion_mnist_dir();
  job.cluster.node_behaviour = "test-plus-half";
  job.cluster.task_timeout_s = 60;
  return job;
}

/// A user's own node: counts training tasks and delegates everything to a
/// built-in node it owns. Written against the typed node_actor interface, so a
/// missing or mistyped handler does not compile.
struct CountingNode {
  actors::node_actor inner;
  std::shared_ptr<std::atomic<int>> trains;
  static inline const char* name = "test.counting_node";
};

actors::node_actor::behavior_type counting_node(
    actors::node_actor::stateful_pointer<CountingNode> self, actors::node_actor inner,
    std::shared_ptr<std::atomic<int>> trains) {
  self->state.inner = inner;
  self->state.trains = std::move(trains);
  self->link_to(inner);  // the inner node ends with this one
  return {
      [self](actors::setup_atom a, const runtime::JobSpec& job) {
        return self->delegate(self->state.inner, a, job);
      },
      [self](actors::train_atom a, const actors::TrainTask& task) {
        ++*self->state.trains;
        return self->delegate(self->state.inner, a, task);
      },
      [self](actors::eval_atom a, const actors::EvalTask& task) {
        return self->delegate(self->state.inner, a, task);
      },
      [self](actors::aggregator_atom a, const caf::actor& aggregator) {
        self->send(self->state.inner, a, aggregator);
      },
      [self](actors::leave_atom a, std::uint64_t run_id) {
        self->send(self->state.inner, a, run_id);
      },
  };
}

}  // namespace

TEST(NodeBehaviourInCluster, TheJobsBehaviourComputesEveryTask) {
  const auto report = actors::run_embedded(plus_half_job());
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  ASSERT_EQ(report.rounds.size(), 2u);
  // Every update adds 0.5 and FedAvg of equal updates is that update: the
  // first parameter grows by 0.5 per round.
  EXPECT_NEAR(report.rounds[1].loss - report.rounds[0].loss, 0.5, 1e-5);
  EXPECT_EQ(report.rounds[1].updates, 3);
}

TEST(NodeBehaviourInCluster, AnUnknownBehaviourFailsTheJobNamingIt) {
  auto job = plus_half_job();
  job.cluster.node_behaviour = "no-such-behaviour";
  const auto report = actors::run_embedded(job);
  EXPECT_EQ(report.status, runtime::RunStatus::failed);
  EXPECT_NE(report.error.find("unknown node behaviour 'no-such-behaviour'"), std::string::npos)
      << report.error;
}

TEST(NodeBehaviourInCluster, AnUpdateOfAnotherLayoutFailsTheTaskNotTheProcess) {
  auto job = plus_half_job();
  job.cluster.node_behaviour = "test-broken";
  job.rounds = 1;
  const auto report = actors::run_embedded(job);
  bool reported = false;
  for (const auto& t : report.tasks)
    reported =
        reported || t.error.find("returned parameters of another layout") != std::string::npos;
  EXPECT_TRUE(reported || report.error.find("another layout") != std::string::npos) << report.error;
}

TEST(CustomNodeActor, AProgramsOwnTypedNodeActorJoinsTheEmbeddedCluster) {
  auto trains = std::make_shared<std::atomic<int>>(0);
  actors::EmbeddedOptions options;
  // node-1 is the program's counting node (around a built-in one); the others are built in.
  options.spawn_node = [trains](caf::actor_system& system, actors::NodeConfig config) {
    if (config.name != "node-1") return actors::spawn_node(system, std::move(config));
    auto inner = actors::spawn_node(system, std::move(config));
    return system.spawn(counting_node, inner, trains);
  };
  const auto report = actors::run_embedded(plus_half_job(), options);
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  int node1_trains = 0;
  for (const auto& t : report.tasks)
    if (t.node == "node-1" && t.kind == runtime::TaskKind::train) ++node1_trains;
  EXPECT_GT(*trains, 0);
  EXPECT_EQ(*trains, node1_trains);
}

TEST(CustomNodeActor, ASpawnerThatReturnsNoActorFailsTheJobClearly) {
  actors::EmbeddedOptions options;
  options.spawn_node = [](caf::actor_system&, actors::NodeConfig) { return actors::node_actor{}; };
  const auto report = actors::run_embedded(plus_half_job(), options);
  EXPECT_EQ(report.status, runtime::RunStatus::failed);
  EXPECT_NE(report.error.find("returned no actor"), std::string::npos) << report.error;
}
