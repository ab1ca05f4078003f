#pragma once
/// \file
/// The one mini-batch SGD loop behind every trainer in models/ (local training,
/// FedProx, federated distillation and its student). Internal to models/
/// (includes LibTorch).

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "models/dataset.hpp"
#include "models/network.hpp"
#include "models/trainer.hpp"

namespace troupe::models {

/// The examples one SGD run walks through, and buffers it reuses between runs.
struct SgdExamples {
  /// N x ... inputs as stored (uint8 pixels or float32, see model_input), on the model's device
  torch::Tensor inputs;
  torch::Tensor targets;  ///< N targets (class indices or soft-label rows), same device
  /// Where the shuffled copies of `inputs` and `targets` live, refilled every
  /// pass and kept between runs (resized when they do not fit); null: the run
  /// makes its own.
  torch::Tensor* shuffled_inputs = nullptr;
  torch::Tensor* shuffled_targets = nullptr;
};

/// A node's selected training examples on a device, prepared once per
/// selection and kept as compactly as they arrived (uint8 stays uint8 and is
/// converted per batch), with the shuffled copies every SGD run over them reuses.
struct ExampleSelection {
  /// Selects `data[indices]` onto `device`; the same `key` (>= 0) as the
  /// current selection keeps the prepared tensors (no copy).
  void select(const Dataset& data, const std::vector<std::size_t>& indices, std::int64_t key,
              const torch::Device& device);
  /// The same from a data set others share. When `indices` are all of its
  /// examples in order and `device` is the CPU (a lean node's shard, which it
  /// holds as a set of its own), the features are not copied: `images` reads
  /// the set's bytes (never writes them) and keeps the set alive.
  void select(const std::shared_ptr<const Dataset>& data, const std::vector<std::size_t>& indices,
              std::int64_t key, const torch::Device& device);
  /// Whether examples were selected.
  bool selected() const { return images.defined(); }
  /// The selection as run_sgd's input.
  SgdExamples for_sgd() { return {images, labels, &shuffled_images, &shuffled_labels}; }

  torch::Tensor images, labels;
  torch::Tensor shuffled_images, shuffled_labels;
  std::int64_t key = -1;  ///< the current selection's key, or -1
};

/// How one SGD run goes: the optimiser's settings and how far it runs.
struct SgdSchedule {
  std::int64_t batch_size = 32;
  double lr = 0.05;
  double momentum = 0.0;
  std::uint64_t seed = 0;  ///< shuffling order, and every draw of the hooks
  std::int64_t steps = 0;  ///< mini-batches to take, passing over the examples as often as needed

  /// `options`' settings over `examples` rows: local_steps when set, else
  /// batches per pass times local_epochs (at least one pass).
  static SgdSchedule local(const TrainOptions& options, std::int64_t examples);
  /// `options`' optimiser settings, for exactly `epochs` passes over `examples` rows.
  static SgdSchedule passes(const TrainOptions& options, std::int64_t examples, int epochs);
};

/// What a run adds to plain SGD on a batch loss. Every hook is optional.
struct SgdHooks {
  /// The loss of a batch from the model's outputs and the batch's targets;
  /// cross-entropy against class indices when empty.
  std::function<torch::Tensor(const torch::Tensor& outputs, const torch::Tensor& targets)>
      batch_loss;
  /// A term added to every step's loss after the batch loss (distillation on a
  /// public batch). It draws from the run's generator, so the draws of shuffling
  /// and hook interleave the same way every run.
  std::function<torch::Tensor(std::mt19937_64& rng)> extra_loss;
  /// Edits the gradients after backward and before the step (FedProx).
  std::function<void()> after_backward;
  /// Asked before every mini-batch; true stops the run with
  /// TrainingInterrupted (TrainOptions::interrupt).
  std::function<bool()> interrupt;
};

/// A permutation of 0..n-1 drawn from `rng` (std::shuffle), as int64 on `device`.
torch::Tensor permutation(std::int64_t n, std::mt19937_64& rng, const torch::Device& device);

/// Trains `net` (in train mode) with SGD and momentum: each pass shuffles the
/// examples with a generator seeded by `schedule.seed` and takes batches in
/// order (each converted by model_input), until `schedule.steps` batches are done. The result
/// counts the examples held, seen and the mean loss per example seen; `seconds` is left 0.
TrainResult run_sgd(Network& net, const SgdExamples& examples, const SgdSchedule& schedule,
                    const SgdHooks& hooks = {});

}  // namespace troupe::models
