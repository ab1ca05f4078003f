#include "runtime/node/libtorch_node_behaviour.hpp"

#include <stdexcept>

#include "runtime/node/local_data.hpp"

namespace troupe::runtime {

NodeData LibTorchNodeBehaviour::setup(const NodeSetup& setup) {
  const auto kind = setup.job.train.model;
  if (!setup.data) throw std::invalid_argument("no data catalog");
  data_ = setup.data;
  if (setup.local) {
    // The node's own examples, one shard: the whole set is shard 0 whatever
    // index the scheduler numbers it with. No Fashion-MNIST training set. (The
    // node actor checked that they fit the job.)
    train_set_ = training_examples(setup.local, setup.job);
    std::vector<std::size_t> all(train_set_->size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    partition_ = std::make_shared<const models::Partition>(models::Partition{std::move(all)});
  } else {
    partition_ = data_->partition(partition_spec(setup.job));
    train_set_ = data_->train();
  }
  local_ = static_cast<bool>(setup.local);
  // A new trainer per job (the model may differ); the evaluator follows lazily.
  trainer_.emplace(kind, setup.device);
  evaluator_.reset();
  kind_ = kind;
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
  const auto shard = local_ ? 0 : task.shard;
  trainer_->set_data(*train_set_, (*partition_).at(static_cast<std::size_t>(shard)), shard);
  return trainer_->train(global, task.options, update);
}

models::ClassificationMetrics LibTorchNodeBehaviour::evaluate(const models::Parameters& global) {
  if (!kind_) throw std::logic_error("evaluation before set-up");
  if (!evaluator_) evaluator_.emplace(*kind_, device_, *data_->test());
  return evaluator_->evaluate(global);
}

}  // namespace troupe::runtime
