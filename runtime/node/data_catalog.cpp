#include "runtime/node/data_catalog.hpp"

#include <stdexcept>

namespace troupe::runtime {

DataCatalog::DataCatalog(std::string dir, std::int64_t train_limit, std::int64_t test_limit)
    : dir_(std::move(dir)), train_limit_(train_limit), test_limit_(test_limit) {}

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

std::shared_ptr<const models::Partition> DataCatalog::partition(const PartitionSpec& spec) {
  auto data = train();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = partitions_.find(spec);
  if (it != partitions_.end()) return it->second;
  auto p = make_partition(data->labels, data->num_classes, spec);
  auto shared = std::make_shared<const models::Partition>(std::move(p));
  partitions_.emplace(spec, shared);
  return shared;
}

}  // namespace troupe::runtime
