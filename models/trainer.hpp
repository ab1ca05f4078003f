#pragma once
/// \file
/// Local training and evaluation of a model on a node, behind a LibTorch-free
/// interface: parameters go in and out as models::Parameters.

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/dataset.hpp"
#include "models/metrics.hpp"
#include "models/model_kind.hpp"
#include "models/model_source.hpp"
#include "models/parameters.hpp"

namespace troupe::models {

/// Hyper-parameters of one local-training task (SGD with momentum).
struct TrainOptions {
  int local_epochs = 1;          ///< passes over the local data (ignored when local_steps > 0)
  std::int64_t local_steps = 0;  ///< if > 0, train exactly this many mini-batches instead
  std::int64_t batch_size = 32;
  double lr = 0.05;
  double momentum = 0.0;
  std::uint64_t seed = 0;  ///< shuffling order; the same seed gives the same update
  /// FedProx (Li et al. 2020): when > 0, adds mu/2 ||w - w_global||^2 to the local
  /// loss (i.e. mu (w - w_global) to each gradient), keeping the update near the
  /// global model it started from. 0 is plain local SGD. Must be finite and >= 0.
  double prox_mu = 0.0;
  /// Asked before every mini-batch; true stops the run there with
  /// TrainingInterrupted (the update is left as it was). A node serving
  /// several jobs asks whether a task of a --preempt job of higher priority
  /// waits. Empty: never stops. The same options again give the same update,
  /// so an interrupted task is run again from its start.
  std::function<bool()> interrupt;
};

/// Thrown by a training run whose TrainOptions::interrupt answered true.
class TrainingInterrupted : public std::runtime_error {
 public:
  explicit TrainingInterrupted(std::int64_t steps)
      : std::runtime_error("training interrupted after " + std::to_string(steps) + " mini-batches"),
        steps_(steps) {}
  /// The mini-batches it had taken (the work lost).
  std::int64_t steps() const { return steps_; }

 private:
  std::int64_t steps_;
};

/// What a training task produced besides the new parameters.
struct TrainResult {
  std::int64_t samples = 0;       ///< examples held (the FedAvg weight)
  std::int64_t samples_seen = 0;  ///< examples processed, counting repeats over epochs
  std::int64_t steps = 0;
  double mean_loss = 0.0;  ///< mean training loss over all processed examples
  double seconds = 0.0;    ///< wall time of the training loop
};

/// Where and how wide the maths runs.
struct DeviceOptions {
  std::string device = "cpu";  ///< "cpu", "cuda" or "cuda:N"
  int threads = 1;             ///< intra-op CPU threads
};

/// Empty when `device` can be used here, else a message saying why not.
std::string check_device(const std::string& device);
/// Number of CUDA devices LibTorch sees (0 without CUDA support or GPU).
int cuda_device_count();

/// A freshly initialised model of `kind`, deterministic in `seed`.
Parameters initial_parameters(ModelKind kind, std::uint64_t seed);
/// The parameters `model` starts from: a built-in model initialised from
/// `seed`, or a TorchScript module's own saved weights (`seed` unused).
/// Throws std::invalid_argument when the script cannot be loaded.
Parameters initial_parameters(const ModelSource& model, std::uint64_t seed);

/// Trains a model on a node's local examples. Not thread-safe; one per node.
class LocalTrainer {
 public:
  LocalTrainer(ModelKind kind, DeviceOptions device);
  /// Throws std::invalid_argument when a script cannot be loaded.
  LocalTrainer(const ModelSource& model, DeviceOptions device);
  ~LocalTrainer();
  LocalTrainer(LocalTrainer&&) noexcept;
  LocalTrainer& operator=(LocalTrainer&&) noexcept;

  /// Selects the examples to learn from. `key` identifies the selection: calling
  /// again with the same key keeps the prepared tensors (no copy).
  void set_data(const Dataset& data, const std::vector<std::size_t>& indices, std::int64_t key);
  /// The same from a shared set: all of it, in order, on the CPU is not
  /// copied (the trainer keeps the set alive while it uses it).
  void set_data(const std::shared_ptr<const Dataset>& data, const std::vector<std::size_t>& indices,
                std::int64_t key);
  /// Key of the current selection, or -1.
  std::int64_t data_key() const;

  /// Loads `global`, trains, and writes the new parameters into `update`
  /// (reusing its buffer when the layout matches). Throws std::invalid_argument
  /// when `global` does not fit the model.
  TrainResult train(const Parameters& global, const TrainOptions& options, Parameters& update);

 private:
  friend class Evaluator;  // evaluates on a trainer's network
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Evaluates parameters on a fixed test set.
class Evaluator {
 public:
  Evaluator(ModelKind kind, DeviceOptions device, const Dataset& test);
  Evaluator(const ModelSource& model, DeviceOptions device, const Dataset& test);
  ~Evaluator();
  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;

  ClassificationMetrics evaluate(const Parameters& params);
  /// The same evaluation on `trainer`'s network instead of one of the
  /// evaluator's own (made only when evaluate(params) first needs it): a node
  /// that trains and evaluates one model holds one network, not two. The
  /// trainer must be of the same model on the same device (std::logic_error
  /// otherwise); its network is left holding `params`, and its next train()
  /// imports the parameters it is given as always. What a network holds
  /// besides the state that travels (a script's integer buffers, attributes
  /// its forward changes) is then shared by training and evaluation.
  ClassificationMetrics evaluate(const Parameters& params, LocalTrainer& trainer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace troupe::models
