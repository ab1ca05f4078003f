#pragma once
/// \file
/// A training job as the user describes it: model, data, rounds, mode. The
/// options are grouped by concern; every option's public name, help text and
/// place in this struct are listed once, in runtime/core/job_fields.hpp.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/trainer.hpp"
#include "runtime/core/job_enums.hpp"
#include "runtime/core/strategy_options.hpp"

namespace troupe::runtime {

/// Immutable bytes shared between copies. A job's TorchScript model and its
/// packed test set travel inside JobSpec, which the scheduler, its job
/// cores, the aggregator and each report copy; as plain strings an 80 MB
/// model was held about a dozen times in a scheduler process
/// (docs/benchmarks.md, "Aggregator memory"). A copy of a SharedText
/// shares the bytes; assigning new bytes replaces them for that copy only.
class SharedText {
 public:
  SharedText() = default;
  SharedText(std::string bytes)  // NOLINT(google-explicit-constructor): a string's stand-in
      : bytes_(bytes.empty() ? nullptr : std::make_shared<const std::string>(std::move(bytes))) {}
  SharedText(const char* bytes) : SharedText(std::string(bytes)) {}  // NOLINT

  const std::string& str() const { return bytes_ ? *bytes_ : empty_text(); }
  operator const std::string&() const { return str(); }  // NOLINT
  bool empty() const { return !bytes_; }
  std::size_t size() const { return bytes_ ? bytes_->size() : 0; }
  const char* data() const { return str().data(); }
  void clear() { bytes_.reset(); }
  /// The bytes themselves, alive while the pointer is (null when empty).
  std::shared_ptr<const std::string> shared() const { return bytes_; }

  friend bool operator==(const SharedText& a, const SharedText& b) {
    return a.bytes_ == b.bytes_ || a.str() == b.str();
  }
  friend bool operator!=(const SharedText& a, const SharedText& b) { return !(a == b); }

 private:
  static const std::string& empty_text() {
    static const std::string empty;
    return empty;
  }
  std::shared_ptr<const std::string> bytes_;  ///< null when empty
};

/// Which data, and how it is split into shards.
struct DataOptions {
  Partition partition = Partition::iid;
  double alpha = 0.5;       ///< Dirichlet concentration (partition dirichlet)
  int labels_per_node = 2;  ///< labels per shard (partition labels)
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t train_limit = 0;  ///< use only the first N training examples (0 = all)
  std::int64_t test_limit = 0;   ///< evaluate on the first N test examples (0 = all)
  /// > 0: every node its own seeded sample of this many training examples
  /// (samples may overlap), instead of a split of the set; 0: a split.
  std::int64_t examples_per_node = 0;
  /// Shape of one example's features, e.g. "1,28,28" or "64"; empty: taken
  /// from the nodes' data (and for the built-in models 1,28,28).
  std::string input_shape;
  /// Number of classes; 0: taken from the model (its output size).
  int classes = 0;
  /// The job owner's held-out set (CSV file, x.npy/y.npy directory or gzipped
  /// IDX pair, models/data_files.hpp), read by whoever submits the job and
  /// shipped in `test_set`; empty: the evaluator's Fashion-MNIST test split.
  std::string test_data;
  /// Not an option: `test_data`'s examples, packed (models/dataset_pack.hpp),
  /// shared by copies of the job.
  SharedText test_set;

  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// Where a job's receiver fetches bytes its sender left out of the message:
/// a data-plane ticket of the sender's process (actors/job_bytes.hpp). An
/// empty ticket: the bytes are in the job.
struct BytesOffer {
  std::string ticket;
  std::uint16_t port = 0;
  std::vector<std::string> hosts;
  std::uint64_t size = 0;
};

/// The model and its local training on a node.
struct LocalTraining {
  ModelKind model = ModelKind::cnn;
  /// A TorchScript module (torch.jit.save) trained instead of `model`; read by
  /// whoever submits the job and shipped in `model_script`.
  std::string model_file;
  /// Not an option: `model_file`'s bytes (empty: the built-in `model`) and their
  /// SHA-256, hex; receivers check the bytes against it. Copies of the job
  /// share the bytes.
  SharedText model_script;
  std::string model_sha256;
  /// Not an option: when set, `model_script` was left out of the message
  /// and is fetched from here (a job sent to another process).
  BytesOffer script_offer;
  /// Not an option: when set, `model_script` was left out of a submitted
  /// job, and its bytes were sent to the scheduler's data plane under this
  /// ticket before the job (actors/job_bytes.hpp).
  std::string script_upload;
  int local_epochs = 1;
  std::int64_t local_steps = 0;  ///< if > 0, mini-batches per task instead of epochs
  std::int64_t batch_size = 32;
  double lr = 0.05;
  double momentum = 0.0;
  double prox_mu = 0.0;  ///< FedProx proximal term on the nodes (0 = off)

  /// The trainer's options for a task with `seed`.
  models::TrainOptions options(std::uint64_t seed) const {
    return {local_epochs, local_steps, batch_size, lr, momentum, seed, prox_mu, {}};
  }
  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// Where a training task computes.
struct ComputeOptions {
  int threads = 1;             ///< intra-op CPU threads per training task
  std::string device = "cpu";  ///< cpu | cuda | cuda:N

  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// What one task of a job needs on its node (`--demand cpu=N,memory=SIZE,
/// gpu-memory=SIZE`), like Slurm's --mincpus, --mem and a GPU --gres. A node
/// that cannot meet it is left out of the job (runtime/system/live_capacity.hpp).
struct JobDemand {
  double cpu = 0.0;              ///< cores
  std::uint64_t memory = 0;      ///< bytes of available memory
  std::uint64_t gpu_memory = 0;  ///< bytes of memory on one GPU
  bool none() const { return cpu <= 0.0 && memory == 0 && gpu_memory == 0; }
};

/// Parses "cpu=2,memory=4G,gpu-memory=8G" (any subset, any order; empty: no
/// demand). Sizes are Slurm's: a number with an optional K, M, G or T suffix
/// (powers of 1024), megabytes without one. Empty with `error` set on bad input.
std::optional<JobDemand> parse_job_demand(const std::string& text, std::string& error);

/// "4.0 GiB" (for messages).
std::string format_bytes(std::uint64_t bytes);

/// How the cluster places and watches tasks.
struct ClusterOptions {
  std::string policy = "priority";  ///< allocation policy
  double task_timeout_s = 600.0;    ///< a task that takes longer counts as failed
  int min_nodes = 1;                ///< nodes that must have joined before round 1
  double join_timeout_s = 60.0;     ///< how long to wait for min_nodes
  /// What nodes compute with (runtime/node/node_behaviour.hpp): "libtorch" or a
  /// registered behaviour.
  std::string node_behaviour = "libtorch";
  /// The job's priority at a scheduler: queued jobs start highest first,
  /// first come first served among equals (--priority).
  double priority = 1.0;
  /// > 0: seconds from submission within which the job should end; the
  /// report says whether it did (--deadline). 0: none.
  double deadline_s = 0.0;
  /// What one task needs on its node, "cpu=2,memory=4G,gpu-memory=8G"
  /// (JobDemand); nodes that cannot meet it are left out.
  /// Empty: no demand.
  std::string demand;
  /// A running job of lower priority yields to this one at its next round
  /// boundary: checkpointed, queued again and resumed later (--preempt).
  bool preempt = false;

  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// Federated distillation (node behaviour "distill", runtime/node/distill_node_behaviour.hpp).
struct DistillOptions {
  std::int64_t public_examples = 2000;    ///< training examples held out as the shared public set
  double weight = 1.0;                    ///< weight of the distillation term in local training
  double temperature = 2.0;               ///< softening of the shared predictions and the students
  DistillEval eval = DistillEval::local;  ///< the model an evaluation measures

  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// How the nodes' updates become the global model.
struct CollaborationOptions {
  Mode mode = Mode::sync;
  std::string strategy = "fedavg";  ///< aggregation strategy (sync mode)
  /// Settings of the strategies and server optimisers (server_lr also drives FedBuff).
  StrategyOptions strategy_options;

  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// Which global models are evaluated where.
struct EvalOptions {
  /// central: one node evaluates on the test set (--test-data or the data
  /// directory's test split); federated: every node evaluates on the held-out
  /// part of its own data, metrics weighted by example count; both.
  EvalMode mode = EvalMode::central;
  double local_test_fraction = 0.2;  ///< federated: fraction of each node's examples held out

  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// Synchronous rounds: how many updates close one, and when.
struct SyncRoundOptions {
  int clients_per_round = 0;      ///< updates a round needs (0 = every shard)
  double over_selection = 0.0;    ///< extra tasks started, as a fraction of clients_per_round
  double round_deadline_s = 0.0;  ///< > 0: close a round after this long with what arrived
  int min_updates = 1;            ///< updates a round needs before its deadline may close it
  /// > 0: a training task still running after this many times the median
  /// duration of the round's finished tasks gets a backup copy on an idle node
  /// (once three quarters of the round's updates are in); the first result
  /// wins, the other copy is cancelled. 0: no backups (runtime/scheduling/backup_tasks.hpp).
  double backup_after = 0.0;
  /// > 0: a training task still computing this many seconds after its node
  /// began it gets a backup copy on an idle node, whatever its peers did; the
  /// first result wins. It stays below --task-timeout, which fails the task.
  /// 0: none.
  double task_deadline_s = 0.0;
  /// A job whose rounds lost shards still ends "ok" (the lost shards stay in
  /// the report); without it such a job ends "degraded".
  bool allow_partial_rounds = false;

  /// Empty when usable for a job of `nodes` shards, else the first problem.
  std::string validate(int nodes) const;
};

/// Asynchronous modes (FedAsync, FedBuff).
struct AsyncModeOptions {
  double alpha = 0.6;                           ///< FedAsync mixing weight alpha
  Staleness staleness = Staleness::polynomial;  ///< the discount s(tau)
  double staleness_a = 0.5;                     ///< polynomial exponent a; hinge slope a
  double staleness_b = 4.0;                     ///< hinge: staleness tolerated without discount
  int buffer_size = 5;                          ///< FedBuff: updates per aggregation (K)
  int max_staleness = 0;                        ///< > 0: drop updates older than this many versions
  std::string event_log;                        ///< write the event log (JSON lines) here

  /// Empty when usable, else the first problem, naming the option.
  std::string validate() const;
};

/// Checkpoints (sync mode).
struct CheckpointOptions {
  std::string dir;  ///< write a checkpoint here after every `every` rounds
  int every = 1;
  std::string resume;     ///< continue the job checkpointed in this directory
  bool required = false;  ///< a checkpoint that cannot be written fails the job

  /// Empty when usable (in every mode), else the first problem.
  std::string validate() const;
};

/// Heterogeneity and misbehaviour (embedded nodes; node processes have flags).
struct ExperimentOptions {
  int slow_nodes = 0;  ///< this many nodes run slow_factor times slower
  double slow_factor = 4.0;
  double dropout = 0.0;              ///< probability that a node drops a training task
  int malicious = 0;                 ///< this many nodes send attack updates
  Attack attack = Attack::signflip;  ///< what they send
  double attack_scale = 10.0;        ///< factor of scale/signflip, noise norm ratio of random

  /// Empty when usable for a job of `nodes` nodes, else the first problem.
  std::string validate(int nodes) const;
};

struct JobSpec;

/// Differential privacy (runtime/privacy/, docs/privacy.md): the Gaussian
/// mechanism over clipped model changes, accounted with Rényi DP.
struct PrivacyOptions {
  DpMode mode = DpMode::none;
  double noise_multiplier = 1.0;  ///< sigma: noise standard deviation / clip norm
  double clip_norm = 1.0;  ///< C: L2 bound of one update's change (the initial one if adaptive)
  /// In (0, 1): central DP moves C each round toward this quantile of the
  /// update norms (Andrew et al. 2021); 0: C stays fixed.
  double adaptive_clip = 0.0;
  double delta = 1e-5;          ///< the delta of the reported (epsilon, delta)
  double target_epsilon = 0.0;  ///< > 0: stop after the last round whose epsilon stays within it
  /// Derive the noise from the job's --seed, so that a run repeats (experiments,
  /// tests). Whoever knows the seed (it is in every report's config) can
  /// subtract the noise, so by default each aggregator and node draws a
  /// secret noise key from the operating system instead (runtime/dp/noise_key.hpp).
  bool reproducible_noise = false;
  /// Sum the updates under SecAgg+ masks (runtime/secagg): the aggregator
  /// learns only the sum of each round (sync) or buffer (buffered).
  bool secure_aggregation = false;

  bool enabled() const { return mode != DpMode::none; }
  /// Empty when usable with the rest of `job`, else the first problem, naming
  /// the options (runtime/core/privacy_options.cpp).
  std::string validate(const JobSpec& job) const;
};

/// Everything that defines a federated training job. Defaults are the demo
/// (about two minutes on a 2-core machine): 10 nodes, IID Fashion-MNIST, the
/// CNN, 8 rounds of 1 local epoch (SGD lr 0.05, batch 32).
struct JobSpec {
  std::string name = "demo";
  int nodes = 10;  ///< number of nodes (and data shards)
  int rounds = 8;
  std::uint64_t seed = 42;
  DataOptions data;
  LocalTraining train;
  ComputeOptions compute;
  ClusterOptions cluster;
  DistillOptions distill;
  CollaborationOptions collab;
  EvalOptions eval;
  SyncRoundOptions sync;
  AsyncModeOptions async;
  CheckpointOptions checkpoint;
  ExperimentOptions experiment;
  PrivacyOptions privacy;
  /// Which submission this is: a random number the scheduler draws for every
  /// job it starts (not an option; 0 outside a scheduler). Tasks and updates
  /// carry it, so that a late update of an earlier job (cancelled or failed
  /// with tasks in flight) is refused instead of counted in the next job.
  std::uint64_t run_id = 0;

  /// Empty when the spec is usable, else the first problem, naming the option.
  std::string validate() const;
};

/// Seed of one training task: a stable mix of the job seed, round and shard, so
/// the update does not depend on which node runs the task.
std::uint64_t task_seed(std::uint64_t job_seed, int round, int shard);

/// `job` as a report keeps it: --model-file and --test-data named (and the
/// model's SHA-256), their bytes left out.
inline JobSpec as_reported(JobSpec job) {
  job.train.model_script.clear();
  job.train.script_offer = {};
  job.train.script_upload.clear();
  job.data.test_set.clear();
  return job;
}

}  // namespace troupe::runtime
