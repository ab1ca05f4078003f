#pragma once
/// \file
/// Soft labels as the "global model" of federated distillation: one float32
/// tensor `soft_labels` of shape [public examples, classes] in a
/// models::Parameters, so the aggregation strategies average the nodes'
/// predictions (sample-weighted FedAvg: the ensemble) like any model. All
/// zeros means "no predictions yet" (version 0).

#include <cstdint>
#include <vector>

#include "models/parameters.hpp"

namespace troupe::runtime {

/// The tensor's name.
inline constexpr const char* kSoftLabelsTensor = "soft_labels";

/// An all-zero table of `examples` x `classes`: no predictions yet.
models::Parameters empty_soft_labels(std::int64_t examples, int classes);

/// True when `params` is exactly one float32 [examples, classes] soft-label tensor.
bool is_soft_labels(const models::Parameters& params, std::int64_t examples, int classes);

/// The table's rows as probability distributions: negative entries (which a
/// server optimiser or a robust strategy may produce) are cut to 0 and each row
/// is rescaled to sum to 1; a row with nothing left becomes uniform. Empty when
/// the whole table is zero (no predictions yet). Throws std::invalid_argument
/// when `params` is not a soft-label table of that shape or holds NaN/inf.
std::vector<float> normalised_soft_labels(const models::Parameters& params, std::int64_t examples,
                                          int classes);

}  // namespace troupe::runtime
