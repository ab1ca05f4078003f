#pragma once
/// \file
/// The built-in node behaviour, "libtorch": troupe's models (MLP, CNN) trained
/// with SGD on the node's shard of Fashion-MNIST, or on the node's own examples
/// (NodeSetup::local), evaluated on the Fashion-MNIST test set.

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
  std::optional<models::ModelKind> kind_;
  models::DeviceOptions device_;
  std::shared_ptr<DataCatalog> data_;
  std::shared_ptr<const models::Partition> partition_;
  std::shared_ptr<const models::Dataset> train_set_;
  std::optional<models::LocalTrainer> trainer_;
  std::optional<models::Evaluator> evaluator_;  ///< made on the first evaluation
  bool local_ = false;  ///< trains on the node's own examples (NodeSetup::local)
};

}  // namespace troupe::runtime
