#pragma once
/// \file
/// The compute of federated distillation on one node, behind a LibTorch-free
/// interface: a local model trained on private examples plus a distillation
/// term towards soft labels on a shared public set, its own soft predictions on
/// that public set, and a student distilled from soft labels alone.

#include <cstdint>
#include <memory>
#include <vector>

#include "models/dataset.hpp"
#include "models/model_kind.hpp"
#include "models/parameters.hpp"
#include "models/trainer.hpp"

namespace troupe::models {

/// How strongly and how softly a model learns from soft labels.
struct DistillOptions {
  double weight = 1.0;       ///< weight of the distillation term (0: private training only)
  double temperature = 2.0;  ///< softening of the shared predictions and of the student
};

/// Trains models of one kind on a node's private examples and a public set
/// that every node holds. Not thread-safe; one per node.
///
/// Soft labels are `public_size() x num_classes()` floats, row-major, each row
/// a probability distribution at the options' temperature T. The distillation
/// term is KL(targets || softmax(logits / T)) times T^2 (Hinton et al. 2015),
/// which trains like the soft-target cross-entropy.
class DistillationTrainer {
 public:
  /// `data[public_indices]` is the public set (its labels are never used).
  DistillationTrainer(ModelKind kind, DeviceOptions device, const Dataset& data,
                      const std::vector<std::size_t>& public_indices);
  ~DistillationTrainer();
  DistillationTrainer(DistillationTrainer&&) noexcept;
  DistillationTrainer& operator=(DistillationTrainer&&) noexcept;

  std::int64_t public_size() const;
  int num_classes() const;

  /// Selects the private examples; the same `key` again keeps the prepared tensors.
  void set_private(const Dataset& data, const std::vector<std::size_t>& indices, std::int64_t key);

  /// Loads `model` and trains it with SGD over the private examples (epochs or
  /// steps, batch size, learning rate, momentum and seed from `options`;
  /// prox_mu is not used). When `targets` is not null, every step adds
  /// `distill.weight` times the distillation term on a public batch of the same
  /// size, walking through the public set in a seeded order. Writes the result
  /// back into `model`. Throws std::invalid_argument when `model` does not fit.
  TrainResult train(Parameters& model, const float* targets, const TrainOptions& options,
                    const DistillOptions& distill);

  /// Trains `model` on the public set against `targets` alone (the distillation
  /// term with weight 1) for `epochs` passes; batch size, learning rate,
  /// momentum and seed from `options`.
  TrainResult distill(Parameters& model, const float* targets, const TrainOptions& options,
                      double temperature, int epochs);

  /// softmax(logits / temperature) of `model` on the public set, written to
  /// `out` (public_size() x num_classes() floats, row-major).
  void predict(const Parameters& model, double temperature, float* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace troupe::models
