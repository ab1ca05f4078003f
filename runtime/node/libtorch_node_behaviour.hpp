#pragma once
/// \file
/// The built-in node behaviour, "libtorch": troupe's models (MLP, CNN) or the
/// job's TorchScript module (checked at set-up, runtime/node/model_check.hpp)
/// trained with SGD on the node's shard of Fashion-MNIST, evaluated on its test set.

#include <optional>

#include "runtime/node/node_behaviour.hpp"

namespace troupe::runtime {

class LibTorchNodeBehaviour final : public NodeBehaviour {
 public:
  std::string name() const override { return kDefaultNodeBehaviour; }
  NodeData setup(const NodeSetup& setup) override;
  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override;
  models::ClassificationMetrics evaluate(const models::Parameters& global) override;

 private:
  std::optional<models::ModelSource> model_;  ///< the job's model, once set up
  models::DeviceOptions device_;
  std::shared_ptr<DataCatalog> data_;
  std::shared_ptr<const models::Partition> partition_;
  std::shared_ptr<const models::Dataset> train_set_;
  std::optional<models::LocalTrainer> trainer_;
  std::optional<models::Evaluator> evaluator_;  ///< made on the first evaluation
};

}  // namespace troupe::runtime
