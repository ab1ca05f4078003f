#pragma once
/// \file
/// Federated distillation's data split: a public set that every node holds
/// (unlabeled as far as training goes) and private shards, disjoint from it
/// and from each other, split by the job's partition scheme.

#include <cstdint>
#include <vector>

#include "models/dataset.hpp"
#include "models/partition.hpp"
#include "runtime/node/data_catalog.hpp"

namespace troupe::runtime {

struct PublicSplit {
  std::vector<std::size_t> public_indices;  ///< ascending indices into the training set
  models::Partition private_shards;         ///< spec.parts shards of the other examples
};

/// Draws `public_examples` examples of `train` (a sample seeded by spec.seed)
/// as the public set and splits the rest into private shards by `spec`
/// (indices still into `train`). Deterministic, so every node of a job
/// computes the same split. Throws std::invalid_argument when public_examples
/// is below 1 or leaves fewer than one private example per shard, or the spec
/// cannot be split (see make_partition).
PublicSplit split_public(const models::Dataset& train, std::int64_t public_examples,
                         const PartitionSpec& spec);

}  // namespace troupe::runtime
