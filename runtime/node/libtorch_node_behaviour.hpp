#pragma once
/// \file
/// The built-in node behaviour, "libtorch": troupe's models (MLP, CNN) or the
/// job's TorchScript module (checked at set-up, runtime/node/model_check.hpp)
/// trained with SGD on the node's shard of Fashion-MNIST or on its own examples
/// (NodeSetup::local), evaluated on the Fashion-MNIST test set (or the job's
/// shipped test set, --test-data). With federated evaluation (--eval
/// federated|both) each shard's examples are split once per job into a
/// training part and a held-out part (--local-test-fraction); the node trains
/// on the first and evaluate_held_out evaluates on the second.

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "runtime/node/example_selection.hpp"
#include "runtime/node/node_behaviour.hpp"

namespace troupe::runtime {

class LibTorchNodeBehaviour final : public NodeBehaviour {
 public:
  std::string name() const override { return kDefaultNodeBehaviour; }
  NodeData setup(const NodeSetup& setup) override;
  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override;
  models::ClassificationMetrics evaluate(const models::Parameters& global) override;
  /// Evaluates on the held-out parts of the shards the node trained in its
  /// latest round, combined by example count. Throws std::logic_error when
  /// the job has no federated evaluation or the node has not trained yet.
  models::ClassificationMetrics evaluate_held_out(const models::Parameters& global) override;

 private:
  /// The examples of shard `shard` the node trains on and holds out, as
  /// indices into shard_data(shard).
  const ExampleSelection& selection(int shard);
  /// The data set shard `shard`'s examples lie in: the whole training set,
  /// the node's own examples, or (a catalog with Holding::shards) the
  /// shard's own rows, read at its first use.
  const std::shared_ptr<const models::Dataset>& shard_data(int shard);
  /// The node's own trainer when it keeps one between tasks (made if need
  /// be), for evaluations to borrow its network; null when it keeps none
  /// (release_, or trainers from the pool).
  models::LocalTrainer* kept_trainer();

  std::optional<models::ModelSource> model_;  ///< the job's model, once set up
  models::DeviceOptions device_;
  std::shared_ptr<DataCatalog> data_;
  std::shared_ptr<const models::Partition> partition_;
  /// All training examples, the node's own, or (lean_) the labels only.
  std::shared_ptr<const models::Dataset> train_set_;
  /// Null when lean_ and the test set is the built-in one: read at the first
  /// evaluation, and then held by the evaluator only.
  std::shared_ptr<const models::Dataset> test_set_;
  bool lean_ = false;  ///< the catalog holds shards only (a node process)
  std::map<int, std::shared_ptr<const models::Dataset>> shard_rows_;  ///< lean_: by shard
  std::optional<models::LocalTrainer> trainer_;
  std::optional<models::Evaluator> evaluator_;  ///< made on the first evaluation
  bool local_ = false;    ///< trains on the node's own examples (NodeSetup::local)
  bool release_ = false;  ///< NodeSetup::release_between_tasks: no trainer kept between tasks
  /// NodeSetup::trainers, for a built-in model (a script's module may keep
  /// state that is not imported); null: trainer_ is the node's own.
  std::shared_ptr<models::TrainerPool> trainers_;
  std::uint64_t trainers_key_ = 0;  ///< the job and device the pool's trainers are for

  double held_out_fraction_ = 0.0;  ///< > 0: federated evaluation
  std::uint64_t job_seed_ = 0;
  std::map<int, ExampleSelection> selections_;  ///< by shard, made once per job
  /// By shard; not kept when release_ or trainers_ (made for each evaluation).
  std::map<int, models::Evaluator> held_out_evaluators_;
  int latest_round_ = -1;
  std::set<int> latest_shards_;  ///< shards trained in latest_round_
};

}  // namespace troupe::runtime
