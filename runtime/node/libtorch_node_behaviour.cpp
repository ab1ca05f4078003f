#include "runtime/node/libtorch_node_behaviour.hpp"

#include <functional>
#include <stdexcept>
#include <string>

#include "runtime/core/federated_metrics.hpp"
#include "runtime/node/central_test_set.hpp"
#include "runtime/node/local_data.hpp"
#include "runtime/node/model_check.hpp"

namespace troupe::runtime {

NodeData LibTorchNodeBehaviour::setup(const NodeSetup& setup) {
  if (!setup.data) throw std::invalid_argument("no data catalog");
  model_.reset();
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
    train_set_ = data_->train_labels();
  }
  local_ = static_cast<bool>(setup.local);
  lean_ = !local_ && data_->holding() == Holding::shards;
  shard_rows_.clear();
  // The model is checked against the examples' shape, which a lean node's
  // labels do not carry: its catalog reads it from the file's header.
  models::Dataset shape_only;
  if (lean_) {
    shape_only.shape = data_->train_example_shape();
    shape_only.num_classes = train_set_->num_classes;
  }
  const auto model = checked_job_model(setup, setup.local ? *setup.local
                                              : lean_     ? shape_only
                                                          : *train_set_);
  // A new trainer per job (the model may differ), made at the node's first
  // task: a node that is never sampled (--clients-per-round) holds no
  // network. The evaluator follows lazily too.
  // The device is checked here all the same, so a node that cannot use it
  // fails its set-up rather than its first task.
  if (auto why = models::check_device(setup.device.device); !why.empty())
    throw std::invalid_argument(why);
  trainer_.reset();
  evaluator_.reset();
  model_ = model;
  device_ = setup.device;
  const bool lazy_test = lean_ && setup.job.data.test_set.empty();
  test_set_ = lazy_test ? nullptr : central_test_set(setup.job, *data_);
  held_out_fraction_ =
      setup.job.eval.mode == EvalMode::central ? 0.0 : setup.job.eval.local_test_fraction;
  job_seed_ = setup.job.seed;
  release_ = setup.release_between_tasks;
  trainers_ = model_->is_script() ? nullptr : setup.trainers;
  trainers_key_ = std::hash<std::string>{}(std::to_string(setup.job.run_id) + '/' +
                                           std::to_string(static_cast<int>(model_->kind)) + '/' +
                                           device_.device + '/' + std::to_string(device_.threads));
  selections_.clear();
  held_out_evaluators_.clear();
  latest_round_ = -1;
  latest_shards_.clear();
  NodeData out;
  // The sizes the job weights and plans by are what the node trains on. Only
  // the shards the node trains keep their selection (selection()): every
  // node keeping every shard's grew with the square of the nodes. For the
  // same reason the catalog counts them once for all its nodes.
  const auto count = [this] {
    std::vector<std::int64_t> sizes;
    sizes.reserve(partition_->size());
    for (std::size_t s = 0; s < partition_->size(); ++s)
      sizes.push_back(static_cast<std::int64_t>(
          held_out_fraction_ > 0.0
              ? select_examples(*train_set_, partition_->at(s), held_out_fraction_,
                                held_out_seed(job_seed_, static_cast<int>(s)))
                    .train.size()
              : partition_->at(s).size()));
    return sizes;
  };
  if (local_)
    out.shard_sizes = count();  // one shard, its own: nothing to share
  else
    out.shared_shard_sizes = data_->shard_sizes(partition_, held_out_fraction_, job_seed_, count);
  out.test_size = test_set_ ? static_cast<std::int64_t>(test_set_->size()) : data_->test_size();
  return out;
}

const ExampleSelection& LibTorchNodeBehaviour::selection(int shard) {
  auto it = selections_.find(shard);
  if (it != selections_.end()) return it->second;
  const auto& in_shard = partition_->at(static_cast<std::size_t>(shard));
  std::vector<std::size_t> own;
  if (lean_) {  // the shard's rows are a set of their own, in the same order
    own.resize(in_shard.size());
    for (std::size_t i = 0; i < own.size(); ++i) own[i] = i;
  }
  return selections_
      .emplace(shard, select_examples(*shard_data(shard), lean_ ? own : in_shard,
                                      held_out_fraction_, held_out_seed(job_seed_, shard)))
      .first->second;
}

const std::shared_ptr<const models::Dataset>& LibTorchNodeBehaviour::shard_data(int shard) {
  if (!lean_) return train_set_;
  auto it = shard_rows_.find(shard);
  if (it == shard_rows_.end())
    it = shard_rows_
             .emplace(shard, data_->train_rows(partition_->at(static_cast<std::size_t>(shard))))
             .first;
  return it->second;
}

models::TrainResult LibTorchNodeBehaviour::train(const models::Parameters& global,
                                                 const LocalTask& task,
                                                 models::Parameters& update) {
  if (!model_) throw std::logic_error("train before set-up");
  // A node with its own data has one shard, whatever the scheduler numbers it.
  const int shard = local_ ? 0 : task.shard;
  // A lean node keeps the rows of the shards it trained in its latest round
  // (the scheduler leaves a shard where it was when it can: see
  // keep_shards_in_place) and of this round's; others are read again when
  // they come back.
  if (lean_ && task.round != latest_round_)
    for (auto it = shard_rows_.begin(); it != shard_rows_.end();)
      it = it->first == shard || latest_shards_.count(it->first) ? std::next(it)
                                                                 : shard_rows_.erase(it);
  const auto& examples = held_out_fraction_ > 0.0 || lean_
                             ? selection(shard).train
                             : (*partition_).at(static_cast<std::size_t>(shard));
  models::TrainResult result;
  if (trainers_) {
    // A borrowed trainer selected another node's examples last: select again.
    auto trainer =
        trainers_->borrow(trainers_key_, [this] { return models::LocalTrainer(*model_, device_); });
    trainer->set_data(shard_data(shard), examples, -1);
    result = trainer->train(global, task.options, update);
  } else {
    if (!trainer_) trainer_.emplace(*model_, device_);
    // A lean node's shard is a set of its own: the trainer reads its rows
    // where they lie (no copy per task when a node trains several shards).
    trainer_->set_data(shard_data(shard), examples, shard);
    result = trainer_->train(global, task.options, update);
    if (release_) trainer_.reset();  // made again at the next task
  }
  if (task.round != latest_round_) latest_shards_.clear();
  latest_round_ = task.round;
  latest_shards_.insert(shard);
  return result;
}

models::LocalTrainer* LibTorchNodeBehaviour::kept_trainer() {
  if (trainers_ || release_) return nullptr;
  if (!trainer_) trainer_.emplace(*model_, device_);
  return &*trainer_;
}

models::ClassificationMetrics LibTorchNodeBehaviour::evaluate(const models::Parameters& global) {
  if (!model_) throw std::logic_error("evaluation before set-up");
  if (!evaluator_) {
    // A lean node reads the test set when it first evaluates; the evaluator
    // keeps its own copy, so the set is not held twice.
    const auto test = test_set_ ? test_set_ : data_->test();
    evaluator_.emplace(*model_, device_, *test);
  }
  // A node that keeps its trainer evaluates on the trainer's network: one
  // network (a model's worth of memory) for both.
  if (auto* trainer = kept_trainer()) return evaluator_->evaluate(global, *trainer);
  return evaluator_->evaluate(global);
}

models::ClassificationMetrics LibTorchNodeBehaviour::evaluate_held_out(
    const models::Parameters& global) {
  if (!model_) throw std::logic_error("evaluation before set-up");
  if (held_out_fraction_ <= 0.0)
    throw std::logic_error("the job holds out no examples (it has no federated evaluation)");
  if (latest_shards_.empty()) throw std::logic_error("no held-out examples: nothing trained yet");
  std::vector<models::ClassificationMetrics> parts;
  // A node among many (sampled, or borrowing trainers) keeps no network
  // between tasks: an evaluator kept per node that trained once grew with the
  // nodes sampled so far.
  auto* trainer = kept_trainer();
  for (int shard : latest_shards_) {
    if (selection(shard).held_out.empty()) continue;  // a shard of one example
    auto it = held_out_evaluators_.find(shard);
    if (it == held_out_evaluators_.end())
      it = held_out_evaluators_
               .emplace(shard,
                        models::Evaluator(*model_, device_,
                                          gather(*shard_data(shard), selection(shard).held_out)))
               .first;
    if (trainer) {
      // On the trainer's network, as evaluate(): no network per shard.
      parts.push_back(it->second.evaluate(global, *trainer));
    } else {
      parts.push_back(it->second.evaluate(global));
      held_out_evaluators_.erase(it);
    }
  }
  return combine_evaluations(parts);
}

}  // namespace troupe::runtime
