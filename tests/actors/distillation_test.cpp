// Federated distillation end to end: an embedded cluster whose nodes run the
// "distill" behaviour, and the size of what a node sends per round.
#include <gtest/gtest.h>

#include <caf/binary_serializer.hpp>

#include <iostream>

#include "actors/cluster.hpp"
#include "actors/protocol.hpp"
#include "runtime/aggregation/soft_labels.hpp"
#include "runtime/node/distill_node_behaviour.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

runtime::JobSpec tiny_distillation_job() {
  runtime::JobSpec job;
  job.name = "distill-e2e";
  job.nodes = 3;
  job.rounds = 2;
  job.train.model = runtime::ModelKind::mlp;
  job.data.train_limit = 3000;
  job.data.test_limit = 1000;
  job.distill.public_examples = 500;
  job.cluster.node_behaviour = "distill";
  job.data.data_dir = test::fashion_mnist_dir();
  job.cluster.task_timeout_s = 120;
  return job;
}

/// Bytes of `update` as it crosses processes (CAF's binary serialisation).
std::size_t wire_bytes(actors::ModelUpdate update) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  EXPECT_FALSE(sink(update));
  return buf.size();
}

/// The update a node running `job` sends for shard 0 of round 1.
actors::ModelUpdate first_update(const runtime::JobSpec& job) {
  runtime::NodeSetup setup;
  setup.node = "n1";
  setup.job = job;
  setup.data = std::make_shared<runtime::DataCatalog>(job.data.data_dir, job.data.train_limit,
                                                      job.data.test_limit);
  auto behaviour = runtime::make_node_behaviour(job.cluster.node_behaviour);
  behaviour->setup(setup);
  runtime::LocalTask task;
  task.round = 1;
  task.shard = 0;
  task.options = job.train.options(runtime::task_seed(job.seed, 1, 0));
  actors::ModelUpdate update;
  update.task_id = 1;
  update.round = 1;
  update.node = "node-1";
  update.shard = 0;
  const auto result = behaviour->train(runtime::initial_global_model(job), task, update.params);
  update.samples = result.samples;
  update.loss = result.mean_loss;
  return update;
}

}  // namespace

TEST(FederatedDistillation, AnEmbeddedJobSharesSoftLabelsAndBeatsChance) {
  // Given three nodes that share predictions on 500 public examples
  const auto job = tiny_distillation_job();
  // When the job runs two rounds
  const auto report = actors::run_embedded(job);
  // Then every round combined three updates and the distilled models beat chance (0.1) clearly
  ASSERT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  ASSERT_EQ(report.rounds.size(), 2u);
  for (const auto& round : report.rounds) {
    EXPECT_EQ(round.updates, 3);
    EXPECT_EQ(round.failed, 0);
  }
  EXPECT_GT(report.final_metrics.accuracy, 0.5);
}

TEST(FederatedDistillation, ANodeSendsPublicExamplesTimesTenFloatsPlusAHeader) {
  auto job = tiny_distillation_job();
  const auto distilled = first_update(job);
  job.cluster.node_behaviour = "libtorch";
  const auto weights = first_update(job);
  // The distill update is the soft-label table: 500 x 10 float32
  ASSERT_TRUE(runtime::is_soft_labels(distilled.params, 500, 10));
  const std::size_t payload = 500u * 10u * 4u;
  EXPECT_EQ(distilled.params.bytes.size(), payload);
  // On the wire: that payload plus a small header (fields, tensor layout)
  const auto distill_wire = wire_bytes(distilled);
  const auto fedavg_wire = wire_bytes(weights);
  EXPECT_GT(distill_wire, payload);
  EXPECT_LT(distill_wire - payload, 256u);
  // FedAvg's MLP update is the model: 101,770 float32 parameters
  EXPECT_EQ(weights.params.bytes.size(), 101770u * 4u);
  EXPECT_LT(fedavg_wire - weights.params.bytes.size(), 256u);
  std::cout << "update on the wire: distill (P=500) " << distill_wire << " bytes, fedavg mlp "
            << fedavg_wire << " bytes\n";
}
