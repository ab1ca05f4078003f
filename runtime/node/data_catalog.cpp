#include "runtime/node/data_catalog.hpp"

#include <stdexcept>

namespace troupe::runtime {

DataCatalog::DataCatalog(std::string dir, std::int64_t train_limit, std::int64_t test_limit,
                         Holding holding)
    : dir_(std::move(dir)), train_limit_(train_limit), test_limit_(test_limit), holding_(holding) {}

std::shared_ptr<const models::Dataset> DataCatalog::train() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!train_) {
    auto full = models::load_fashion_mnist(dir_, models::Split::train);
    train_ = std::make_shared<const models::Dataset>(
        models::head(full, static_cast<std::size_t>(train_limit_)));
  }
  return train_;
}

std::shared_ptr<const models::Dataset> DataCatalog::test() {
  if (holding_ == Holding::shards)
    return std::make_shared<const models::Dataset>(
        models::head(models::load_fashion_mnist(dir_, models::Split::test),
                     static_cast<std::size_t>(test_limit_)));
  std::lock_guard<std::mutex> lock(mu_);
  if (!test_) {
    auto full = models::load_fashion_mnist(dir_, models::Split::test);
    test_ = std::make_shared<const models::Dataset>(
        models::head(full, static_cast<std::size_t>(test_limit_)));
  }
  return test_;
}

PartitionSpec partition_spec(const JobSpec& job) {
  PartitionSpec spec;
  spec.scheme = job.data.partition;
  spec.alpha = job.data.alpha;
  spec.parts = job.nodes;
  spec.seed = job.seed;
  spec.labels = job.data.labels_per_node;
  spec.per_part = job.data.examples_per_node;
  return spec;
}

models::Partition make_partition(const std::vector<std::uint8_t>& labels, int num_classes,
                                 const PartitionSpec& spec) {
  const auto parts = static_cast<std::size_t>(spec.parts);
  switch (spec.scheme) {
    case Partition::iid:
      if (spec.per_part > 0)
        return models::partition_sampled(labels.size(), parts,
                                         static_cast<std::size_t>(spec.per_part), spec.seed);
      // Shards of one set do not overlap: more nodes than examples would leave
      // some with none, which would train nothing and count as updates.
      if (parts > labels.size())
        throw std::invalid_argument(
            std::to_string(parts) + " nodes but " + std::to_string(labels.size()) +
            " training examples: each node needs at least one (--examples-per-node N gives "
            "every node its own sample of N, drawn per node)");
      return models::partition_iid(labels.size(), parts, spec.seed);
    case Partition::dirichlet:
      return models::partition_dirichlet(labels, num_classes, parts, spec.alpha, spec.seed);
    case Partition::labels:
      return models::partition_labels(labels, num_classes, parts,
                                      static_cast<std::size_t>(spec.labels), spec.seed);
  }
  throw std::invalid_argument("unknown partition scheme " +
                              std::to_string(static_cast<int>(spec.scheme)));
}

std::shared_ptr<const models::Dataset> DataCatalog::train_labels() {
  if (holding_ == Holding::whole) return train();
  std::lock_guard<std::mutex> lock(mu_);
  if (train_) return train_;
  if (!labels_) {
    all_labels_ = models::load_fashion_mnist_labels(dir_, models::Split::train).labels;
    models::Dataset labels;
    labels.shape = {0};  // no features
    labels.labels = all_labels_;
    labels_ = std::make_shared<const models::Dataset>(
        models::head(labels, static_cast<std::size_t>(train_limit_)));
  }
  return labels_;
}

std::shared_ptr<const models::Dataset> DataCatalog::train_rows(
    const std::vector<std::size_t>& rows) {
  const auto labels = train_labels();
  for (auto r : rows)
    if (r >= labels->size())
      throw std::out_of_range("train_rows: example " + std::to_string(r) + " of " +
                              std::to_string(labels->size()));
  // The labels are read once (train_labels()), not with every shard.
  return std::make_shared<const models::Dataset>(models::load_fashion_mnist_rows(
      dir_, models::Split::train, rows, all_labels_.empty() ? nullptr : &all_labels_));
}

std::vector<std::int64_t> DataCatalog::train_example_shape() {
  if (holding_ == Holding::whole) return train()->example_shape();
  return models::fashion_mnist_example_shape(dir_, models::Split::train);
}

std::int64_t DataCatalog::test_size() {
  if (holding_ == Holding::whole) return static_cast<std::int64_t>(test()->size());
  const auto n = models::load_fashion_mnist_labels(dir_, models::Split::test).size();
  const auto limit = static_cast<std::size_t>(test_limit_);
  return static_cast<std::int64_t>(limit > 0 && limit < n ? limit : n);
}

std::shared_ptr<const std::vector<std::int64_t>> DataCatalog::shard_sizes(
    const std::shared_ptr<const models::Partition>& partition, double held_out, std::uint64_t seed,
    const std::function<std::vector<std::int64_t>()>& count) {
  std::lock_guard<std::mutex> lock(sizes_mu_);
  // The catalog keeps its partitions, so their addresses stay theirs.
  auto& sizes = sizes_[{partition.get(), held_out, seed}];
  if (!sizes) sizes = std::make_shared<const std::vector<std::int64_t>>(count());
  return sizes;
}

std::shared_ptr<const models::Partition> DataCatalog::partition(const PartitionSpec& spec) {
  auto data = train_labels();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = partitions_.find(spec);
  if (it != partitions_.end()) return it->second;
  auto p = make_partition(data->labels, data->num_classes, spec);
  auto shared = std::make_shared<const models::Partition>(std::move(p));
  partitions_.emplace(spec, shared);
  return shared;
}

}  // namespace troupe::runtime
