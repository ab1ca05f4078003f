#include "runtime/node/public_split.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace troupe::runtime {

PublicSplit split_public(const models::Dataset& train, std::int64_t public_examples,
                         const PartitionSpec& spec) {
  const auto n = static_cast<std::int64_t>(train.size());
  if (spec.parts < 1) throw std::invalid_argument("the split needs at least one shard");
  if (public_examples < 1 || public_examples > n - spec.parts)
    throw std::invalid_argument("--public-examples " + std::to_string(public_examples) +
                                " must be in 1.." + std::to_string(n - spec.parts) + " (" +
                                std::to_string(n) + " training examples, " +
                                std::to_string(spec.parts) + " private shards)");
  // A stream of its own, so the public sample does not correlate with the partition's.
  std::mt19937_64 rng(spec.seed ^ 0x9b1c5e3a7d24f681ULL);
  std::vector<std::size_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  PublicSplit out;
  const auto cut = order.begin() + public_examples;
  out.public_indices.assign(order.begin(), cut);
  std::vector<std::size_t> rest(cut, order.end());
  std::sort(out.public_indices.begin(), out.public_indices.end());
  std::sort(rest.begin(), rest.end());
  std::vector<std::uint8_t> labels(rest.size());
  for (std::size_t i = 0; i < rest.size(); ++i) labels[i] = train.labels[rest[i]];
  out.private_shards = make_partition(labels, train.num_classes, spec);
  for (auto& shard : out.private_shards)
    for (auto& index : shard) index = rest[index];
  return out;
}

}  // namespace troupe::runtime
