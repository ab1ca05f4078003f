#include "runtime/node/libtorch_node_behaviour.hpp"

#include <stdexcept>

#include "runtime/node/model_check.hpp"

namespace troupe::runtime {

NodeData LibTorchNodeBehaviour::setup(const NodeSetup& setup) {
  if (!setup.data) throw std::invalid_argument("no data catalog");
  model_.reset();
  data_ = setup.data;
  partition_ = data_->partition(partition_spec(setup.job));
  train_set_ = data_->train();
  const auto model = checked_job_model(setup, setup.local ? *setup.local : *train_set_);
  // A new trainer per job (the model may differ); the evaluator follows lazily.
  trainer_.emplace(model, setup.device);
  evaluator_.reset();
  model_ = model;
  device_ = setup.device;
  NodeData out;
  for (const auto& part : *partition_)
    out.shard_sizes.push_back(static_cast<std::int64_t>(part.size()));
  out.test_size = static_cast<std::int64_t>(data_->test()->size());
  return out;
}

models::TrainResult LibTorchNodeBehaviour::train(const models::Parameters& global,
                                                 const LocalTask& task,
                                                 models::Parameters& update) {
  if (!trainer_) throw std::logic_error("train before set-up");
  trainer_->set_data(*train_set_, (*partition_).at(static_cast<std::size_t>(task.shard)),
                     task.shard);
  return trainer_->train(global, task.options, update);
}

models::ClassificationMetrics LibTorchNodeBehaviour::evaluate(const models::Parameters& global) {
  if (!model_) throw std::logic_error("evaluation before set-up");
  if (!evaluator_) evaluator_.emplace(*model_, device_, *data_->test());
  return evaluator_->evaluate(global);
}

}  // namespace troupe::runtime
