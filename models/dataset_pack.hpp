#pragma once
/// \file
/// A Dataset as one contiguous byte string (a small header, then the feature
/// bytes and the labels), so a job can ship its test set to the evaluator.

#include <string>

#include "models/dataset.hpp"

namespace troupe::models {

/// The examples of `data`, packed.
std::string pack_dataset(const Dataset& data);
/// The examples packed by pack_dataset; throws DataError when `bytes` is not
/// such a packing (wrong magic, truncated, sizes that do not add up).
Dataset unpack_dataset(const std::string& bytes);

}  // namespace troupe::models
