#pragma once
/// \file
/// Checks a node's model update before the aggregator accepts it: same layout
/// as the global model (names, dtypes, shapes), a buffer consistent with that
/// layout, every floating-point value finite, and a size within limits. Pure:
/// no actor, no LibTorch; the aggregator calls it and turns a reason into the
/// update's error.

#include <cstdint>
#include <string>

#include "models/parameters.hpp"
#include "runtime/spool/spooled_bytes.hpp"

namespace troupe::runtime {

/// Bounds on what one update (and one sender) may cost the aggregator.
struct UpdateLimits {
  /// Largest accepted parameter buffer, in bytes (default 1 GiB).
  std::uint64_t max_bytes = std::uint64_t{1} << 30;
  /// Most tensors an update may describe (bounds the layout's own size).
  std::size_t max_tensors = 4096;
  /// Updates of one node the aggregator holds at a time at most; more are
  /// refused. 0: one per data shard of the job (a node may legitimately train
  /// every shard of a round, never more).
  std::size_t max_pending_per_node = 0;
};

/// Empty when `update` may be applied to a model laid out as `reference`;
/// otherwise the first problem found, e.g. "tensor 'fc1.weight' has shape
/// [128, 784], expected [128, 785]" or "tensor 'fc2.bias' value 3 is not finite
/// (nan)". Checks, in order: size limits, layout consistency of the update
/// itself (offsets, sizes, buffer length), tensor count, names, dtypes and
/// shapes against `reference`, then finiteness of float32/float64 values.
std::string validate_update(const models::Parameters& reference, const models::Parameters& update,
                            const UpdateLimits& limits = {});

/// The same checks for an update laid out as `tensors` whose bytes are in a
/// file (spooled_bytes.hpp), read a mebibyte at a time. A file that cannot
/// be read is a problem too.
std::string validate_update(const models::Parameters& reference,
                            const std::vector<models::TensorInfo>& tensors,
                            const SpooledBytes& bytes, const UpdateLimits& limits = {});

}  // namespace troupe::runtime
