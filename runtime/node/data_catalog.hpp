#pragma once
/// \file
/// The data a process holds: the training and test sets, loaded once on first
/// use, and their partitions over shards, computed once per specification.
/// Thread-safe, so the embedded cluster's nodes share one copy.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "models/dataset.hpp"
#include "models/partition.hpp"
#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

struct PartitionSpec {
  Partition scheme = Partition::iid;
  double alpha = 0.5;
  int parts = 1;
  std::uint64_t seed = 0;
  int labels = 2;             ///< labels per part (scheme labels)
  std::int64_t per_part = 0;  ///< > 0: every part its own sample of this many (scheme iid)

  bool operator<(const PartitionSpec& o) const {
    return std::tie(scheme, alpha, parts, seed, labels, per_part) <
           std::tie(o.scheme, o.alpha, o.parts, o.seed, o.labels, o.per_part);
  }
};

/// The partition a job asks for.
PartitionSpec partition_spec(const JobSpec& job);

/// Splits examples with these `labels` into `spec.parts` shards by `spec`'s
/// scheme.
models::Partition make_partition(const std::vector<std::uint8_t>& labels, int num_classes,
                                 const PartitionSpec& spec);

/// How much of the data a catalog keeps. A catalog that many nodes share (the
/// embedded cluster's) holds the whole training set once; a node process's
/// own keeps the training labels and reads the rows of a shard when its node
/// trains it, and keeps no test set (its node's evaluator holds one copy).
enum class Holding { whole, shards };

class DataCatalog {
 public:
  /// `train_limit`/`test_limit`: keep only the first N examples (0 = all).
  explicit DataCatalog(std::string dir, std::int64_t train_limit = 0, std::int64_t test_limit = 0,
                       Holding holding = Holding::whole);

  /// Throw models::DataError when the files are missing or malformed.
  std::shared_ptr<const models::Dataset> train();
  /// With Holding::shards a new copy each call, kept by no one else.
  std::shared_ptr<const models::Dataset> test();
  /// Partitions are computed from the training labels alone.
  std::shared_ptr<const models::Partition> partition(const PartitionSpec& spec);
  /// The training set's labels (and classes); with Holding::whole the
  /// training set itself, else a set without features (shape {0}).
  std::shared_ptr<const models::Dataset> train_labels();
  /// The training examples `rows` (indices into the training set), in that
  /// order, as a set of their own; read from the files, not kept here.
  std::shared_ptr<const models::Dataset> train_rows(const std::vector<std::size_t>& rows);

  /// The shape of one training example; with Holding::shards from the
  /// images file's header, without reading any example.
  std::vector<std::int64_t> train_example_shape();
  /// Examples in the test set (after test_limit); with Holding::shards read
  /// from its labels, without loading the images.
  std::int64_t test_size();

  /// Examples per shard that nodes train on, for `partition` (one this
  /// catalog made) after a held-out share `held_out` drawn with `seed`:
  /// `count` runs once per such triple and its list is shared, since every
  /// node of a process reports the same one.
  std::shared_ptr<const std::vector<std::int64_t>> shard_sizes(
      const std::shared_ptr<const models::Partition>& partition, double held_out,
      std::uint64_t seed, const std::function<std::vector<std::int64_t>()>& count);

  Holding holding() const { return holding_; }

  const std::string& dir() const { return dir_; }
  std::int64_t train_limit() const { return train_limit_; }
  std::int64_t test_limit() const { return test_limit_; }

 private:
  std::string dir_;
  std::int64_t train_limit_;
  std::int64_t test_limit_;
  Holding holding_;
  std::mutex mu_;
  std::shared_ptr<const models::Dataset> labels_;  ///< Holding::shards, after train_limit
  std::vector<std::uint8_t> all_labels_;           ///< Holding::shards, as in the file
  std::shared_ptr<const models::Dataset> train_;
  std::shared_ptr<const models::Dataset> test_;
  std::map<PartitionSpec, std::shared_ptr<const models::Partition>> partitions_;
  std::mutex sizes_mu_;  ///< counting runs under it, not under mu_
  std::map<std::tuple<const models::Partition*, double, std::uint64_t>,
           std::shared_ptr<const std::vector<std::int64_t>>>
      sizes_;
};

}  // namespace troupe::runtime
