#pragma once
/// \file
/// Federated distillation as a node behaviour, "distill" (FedMD, Li & Wang
/// 2019; FD, Jeong et al. 2018): nodes share predictions on a public set
/// instead of weights. The training split loses `public_examples` examples to
/// a public set every node holds (runtime/node/public_split.hpp); the rest is split
/// into the job's private shards. The global "model" is the ensemble's soft
/// labels on the public set (runtime/aggregation/soft_labels.hpp), averaged by the job's
/// strategy like any model (fedavg: sample-weighted, i.e. the ensemble).
///
/// A training task for shard s continues shard s's local model on this node
/// (the job's initial model the first time), trains it on the private shard
/// with cross-entropy plus distill_weight x the distillation term towards the
/// current soft labels (none in round 1), and sends back its softmax at
/// distill_temperature on the public set: P x 10 floats instead of the weights.
/// Local models stay on the node that trained them: a shard that moves to
/// another node starts there from the initial model and the soft labels.
///
/// An evaluation (distill_eval) measures either the evaluating node's local
/// models, pooled (one confusion matrix over all of them: their mean accuracy),
/// or "student": a fresh model (the job's initial one) distilled from the soft
/// labels alone for kStudentEpochs passes over the public set, which depends
/// only on the soft labels, not on the node. "local" on a node that has not
/// trained yet falls back to the student.

#include <map>
#include <optional>

#include "models/distillation.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/node/public_split.hpp"

namespace troupe::runtime {

inline constexpr const char* kDistillNodeBehaviour = "distill";

class DistillNodeBehaviour final : public NodeBehaviour {
 public:
  /// Passes over the public set that an evaluation's student is distilled for.
  static constexpr int kStudentEpochs = 5;

  std::string name() const override { return kDistillNodeBehaviour; }
  NodeData setup(const NodeSetup& setup) override;
  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override;
  models::ClassificationMetrics evaluate(const models::Parameters& global) override;
  /// All-zero soft labels of job.distill.public_examples x 10 (no predictions yet).
  models::Parameters initial_global(const JobSpec& job) const override;

  /// The split of the current job (after setup).
  const PublicSplit& split() const { return split_; }
  /// Shards whose local model this node holds.
  std::vector<int> local_shards() const;

 private:
  /// The soft labels of `global` as rows summing to 1; empty before any predictions.
  std::vector<float> targets_of(const models::Parameters& global) const;
  models::ClassificationMetrics evaluate_student(const std::vector<float>& targets);

  JobSpec job_;
  std::optional<models::ModelKind> kind_;
  models::DeviceOptions device_;
  std::shared_ptr<DataCatalog> data_;
  std::shared_ptr<const models::Dataset> train_set_;
  PublicSplit split_;
  int classes_ = 10;
  std::optional<models::DistillationTrainer> trainer_;
  std::optional<models::Evaluator> evaluator_;  ///< made on the first evaluation
  std::map<int, models::Parameters> local_;     ///< local model per shard trained here
};

}  // namespace troupe::runtime
