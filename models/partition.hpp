#pragma once
/// \file
/// Splitting a data set over nodes: IID, label-skewed with a Dirichlet(alpha)
/// prior per class (Hsu et al. 2019), or k labels per node (McMahan et al. 2017). Seeded and
/// reproducible: the same inputs and seed give the same split on every machine with the same
/// standard library.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace troupe::models {

/// One list of example indices per part.
using Partition = std::vector<std::vector<std::size_t>>;

/// Shuffles 0..n-1 and deals it into `parts` near-equal parts (sizes differ by at most one).
Partition partition_iid(std::size_t n, std::size_t parts, std::uint64_t seed);

/// For each class draws proportions p ~ Dir(alpha) over the parts and splits the
/// class's examples accordingly. Small alpha gives few classes per part; large
/// alpha approaches IID. Re-draws (deterministically) until every part holds at
/// least `min_size` examples, up to 100 attempts; the last draw is kept otherwise.
Partition partition_dirichlet(const std::vector<std::uint8_t>& labels, int num_classes,
                              std::size_t parts, double alpha, std::uint64_t seed,
                              std::size_t min_size = 10);

/// The "pathological non-IID" split (McMahan et al. 2017): every part holds
/// examples of exactly `k` distinct labels. The examples of each label are
/// shuffled and cut into shards, parts x k shards in all, shared out in
/// proportion to the label's size but at most `parts` per label; the labels are
/// laid out in a seeded random order and the shards dealt round-robin, so a
/// label's shards land on different parts. Every example is used at most once
/// (all of them when every label gets a shard). Throws std::invalid_argument
/// when parts or k is 0, a label is out of range, fewer than k labels occur, or
/// there are too few examples for parts x k non-empty shards.
Partition partition_labels(const std::vector<std::uint8_t>& labels, int num_classes,
                           std::size_t parts, std::size_t k, std::uint64_t seed);

/// Every part its own sample of `per_part` distinct examples out of 0..n-1
/// (`--examples-per-node`): part p's sample depends only on `seed` and p, not
/// on how many parts there are, and samples of different parts may overlap, so
/// that there can be more parts than n / per_part. Each sample is sorted.
/// Throws std::invalid_argument when parts or per_part is 0 or per_part > n.
Partition partition_sampled(std::size_t n, std::size_t parts, std::size_t per_part,
                            std::uint64_t seed);

/// Label skew of a partition: the mean over parts of the total-variation distance
/// between the part's label distribution and the whole set's (0 = identical).
double label_skew(const Partition& partition, const std::vector<std::uint8_t>& labels,
                  int num_classes);

}  // namespace troupe::models
