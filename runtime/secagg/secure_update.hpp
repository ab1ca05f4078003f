#pragma once
/// \file
/// Updates as ring vectors for secure aggregation: a node encodes its weighted
/// change w * (trained - base) in fixed point, with w itself as the last
/// element, so that the secure sum yields sum(w_i * delta_i) and sum(w_i), and
/// the aggregator learns the weighted average change and nothing per node (not
/// even a node's example count). Fixed point with 2^-frac_bits steps in
/// Z_{2^bits}; values beyond +-range are clamped and counted.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/parameters.hpp"

namespace troupe::runtime::secagg {

/// The fixed-point code of one cohort.
struct FixedPoint {
  std::int32_t bits = 48;       ///< ring Z_{2^bits}
  std::int32_t frac_bits = 24;  ///< one step is 2^-frac_bits
  double range = 64.0;          ///< |value| clamp of one participant's element

  /// The finest code in which `participants` values of magnitude <= range sum
  /// without wrapping in Z_{2^bits}. Throws std::invalid_argument when none fits.
  static FixedPoint for_cohort(std::int32_t participants, double range, std::int32_t bits = 48);

  /// value -> ring element (two's complement mod 2^bits), clamped to +-range.
  std::uint64_t encode(double value) const;
  /// A sum of encoded values -> its real value.
  double decode(std::uint64_t sum) const;
};

/// The ring vector of one update: weight * (trained - base) for every float of
/// the model (same layout required, else std::invalid_argument), then weight.
/// The weight is coded like the rest, so it must lie in (0, code.range]
/// (callers scale example counts, e.g. by the cohort's largest): a weight
/// outside, or a value that is not finite, throws std::invalid_argument rather
/// than being clamped into a wrong average.
/// `clamped`, when given, counts the values that were clamped.
std::vector<std::uint64_t> encode_update(const models::Parameters& trained,
                                         const models::Parameters& base, double weight,
                                         const FixedPoint& code, std::size_t* clamped = nullptr);

/// The weighted average change sum(w_i delta_i) / sum(w_i) of a secure sum,
/// in `layout`'s layout, and sum(w_i). Throws std::runtime_error when the
/// vector's length does not fit the layout or sum(w_i) is not positive.
struct DecodedSum {
  models::Parameters average_change;
  double total_weight = 0.0;
};
DecodedSum decode_sum(const std::vector<std::uint64_t>& sum, const models::Parameters& layout,
                      const FixedPoint& code);

}  // namespace troupe::runtime::secagg
