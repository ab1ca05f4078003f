#include "runtime/node/distill_node_behaviour.hpp"

#include <stdexcept>

#include "runtime/aggregation/soft_labels.hpp"

namespace troupe::runtime {
namespace {

/// Mixed into the job seed for an evaluation student's shuffling.
constexpr std::uint64_t kStudentSeedSalt = 0x57d0e7a1c3b2f945ULL;

/// Distillation builds its own networks (one per shard and a student) and
/// evaluates on the data directory's test split: it trains the built-in models
/// only, and a shipped test set would be ignored, so both are refused.
void refuse_model_file(const JobSpec& job) {
  if (!job.train.model_file.empty() || !job.train.model_script.empty())
    throw std::invalid_argument(
        "node behaviour 'distill' trains the built-in models only; --model-file needs "
        "--node-behaviour libtorch");
  if (!job.data.test_data.empty() || !job.data.test_set.empty())
    throw std::invalid_argument(
        "node behaviour 'distill' evaluates on the data directory's test split; --test-data "
        "needs --node-behaviour libtorch");
}

}  // namespace

models::Parameters DistillNodeBehaviour::initial_global(const JobSpec& job) const {
  refuse_model_file(job);
  if (job.distill.public_examples < 1)
    throw std::invalid_argument("--public-examples must be at least 1");
  return empty_soft_labels(job.distill.public_examples, classes_);
}

NodeData DistillNodeBehaviour::setup(const NodeSetup& setup) {
  const auto kind = setup.job.train.model;
  if (!setup.data) throw std::invalid_argument("no data catalog");
  refuse_model_file(setup.job);
  kind_.reset();
  data_ = setup.data;
  train_set_ = data_->train();
  classes_ = train_set_->num_classes;
  split_ = split_public(*train_set_, setup.job.distill.public_examples, partition_spec(setup.job));
  trainer_.emplace(kind, setup.device, *train_set_, split_.public_indices);
  evaluator_.reset();
  local_.clear();
  job_ = setup.job;
  device_ = setup.device;
  kind_ = kind;
  NodeData out;
  for (const auto& shard : split_.private_shards)
    out.shard_sizes.push_back(static_cast<std::int64_t>(shard.size()));
  out.test_size = static_cast<std::int64_t>(data_->test()->size());
  return out;
}

std::vector<float> DistillNodeBehaviour::targets_of(const models::Parameters& global) const {
  return normalised_soft_labels(global, job_.distill.public_examples, classes_);
}

models::TrainResult DistillNodeBehaviour::train(const models::Parameters& global,
                                                const LocalTask& task, models::Parameters& update) {
  if (!kind_) throw std::logic_error("train before set-up");
  const auto targets = targets_of(global);
  auto it = local_.find(task.shard);
  if (it == local_.end())
    it = local_.emplace(task.shard, models::initial_parameters(*kind_, job_.seed)).first;
  trainer_->set_private(*train_set_, split_.private_shards.at(static_cast<std::size_t>(task.shard)),
                        task.shard);
  const models::DistillOptions distill{job_.distill.weight, job_.distill.temperature};
  auto result = trainer_->train(it->second, targets.empty() ? nullptr : targets.data(),
                                task.options, distill);
  if (!is_soft_labels(update, job_.distill.public_examples, classes_))
    update = empty_soft_labels(job_.distill.public_examples, classes_);
  trainer_->predict(it->second, job_.distill.temperature, update.float_data());
  return result;
}

models::ClassificationMetrics DistillNodeBehaviour::evaluate(const models::Parameters& global) {
  if (!kind_) throw std::logic_error("evaluation before set-up");
  const auto targets = targets_of(global);
  if (job_.distill.eval == runtime::DistillEval::student || local_.empty())
    return evaluate_student(targets);
  if (!evaluator_) evaluator_.emplace(*kind_, device_, *data_->test());
  // One confusion matrix over all local models: accuracy is their mean accuracy.
  std::vector<std::int64_t> confusion;
  double loss = 0.0;
  for (const auto& [shard, model] : local_) {
    const auto m = evaluator_->evaluate(model);
    if (confusion.empty()) confusion.assign(m.confusion.size(), 0);
    for (std::size_t i = 0; i < confusion.size(); ++i) confusion[i] += m.confusion[i];
    loss += m.loss;
  }
  auto pooled = models::metrics_from_confusion(std::move(confusion), classes_);
  pooled.loss = loss / static_cast<double>(local_.size());
  return pooled;
}

models::ClassificationMetrics DistillNodeBehaviour::evaluate_student(
    const std::vector<float>& targets) {
  auto student = models::initial_parameters(*kind_, job_.seed);
  if (!targets.empty())
    trainer_->distill(student, targets.data(), job_.train.options(job_.seed ^ kStudentSeedSalt),
                      job_.distill.temperature, kStudentEpochs);
  if (!evaluator_) evaluator_.emplace(*kind_, device_, *data_->test());
  return evaluator_->evaluate(student);
}

std::vector<int> DistillNodeBehaviour::local_shards() const {
  std::vector<int> out;
  for (const auto& entry : local_) out.push_back(entry.first);
  return out;
}

}  // namespace troupe::runtime
