#pragma once
/// \file
/// Which of a node's examples it trains on, and which it holds out for
/// federated evaluation (--eval federated|both, --local-test-fraction). One
/// small function, so every way a node gets its examples (a shard of the
/// job's split, its own data) selects them the same way.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/dataset.hpp"

namespace troupe::runtime {

/// Indices into one data set: the training part and the held-out part.
struct ExampleSelection {
  std::vector<std::size_t> train;
  std::vector<std::size_t> held_out;
};

/// The examples `indices` of `data`: all for training when
/// `held_out_fraction` is 0, else split stratified by label with
/// models::split_held_out (about that fraction held out, at least one example
/// on each side when there are two), the same split for the same `seed`.
ExampleSelection select_examples(const models::Dataset& data,
                                 const std::vector<std::size_t>& indices, double held_out_fraction,
                                 std::uint64_t seed);

/// The seed of shard `shard`'s split, derived from the job's seed, so every
/// node that trains the shard holds out the same examples.
std::uint64_t held_out_seed(std::uint64_t job_seed, int shard);

/// The examples `indices` of `data`, copied into a data set of their own.
models::Dataset gather(const models::Dataset& data, const std::vector<std::size_t>& indices);

}  // namespace troupe::runtime
