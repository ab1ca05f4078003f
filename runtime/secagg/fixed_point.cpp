#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "runtime/secagg/mask_prg.hpp"
#include "runtime/secagg/secure_update.hpp"

namespace troupe::runtime::secagg {
namespace {

void check_bits(std::int32_t bits) {
  if (bits < 8 || bits > 64)
    throw std::invalid_argument("fixed point: bits must lie in 8..64, not " + std::to_string(bits));
}

// The largest code a value of magnitude `range` gets with `frac_bits`, in
// long double: an integer conversion would overflow for coarse codes.
long double top_code(double range, std::int32_t frac_bits) {
  return std::round(static_cast<long double>(range) * std::ldexp(1.0L, frac_bits));
}

}  // namespace

FixedPoint FixedPoint::for_cohort(std::int32_t participants, double range, std::int32_t bits) {
  check_bits(bits);
  if (participants < 1)
    throw std::invalid_argument("fixed point: a cohort needs at least one participant");
  if (!(range > 0) || !std::isfinite(range))
    throw std::invalid_argument("fixed point: the range must be positive and finite");
  // A sum of n codes in [-top, top] stays in the signed half-ring
  // [-(2^(bits-1) - 1), 2^(bits-1) - 1] exactly when n * top <= 2^(bits-1) - 1.
  const long double limit = std::ldexp(1.0L, bits - 1) - 1;
  for (std::int32_t frac = bits - 1; frac >= 0; --frac) {
    if (static_cast<long double>(participants) * top_code(range, frac) <= limit)
      return FixedPoint{bits, frac, range};
  }
  throw std::invalid_argument("fixed point: " + std::to_string(participants) +
                              " values of magnitude " + std::to_string(range) +
                              " cannot be summed in " + std::to_string(bits) + " bits");
}

std::uint64_t FixedPoint::encode(double value) const {
  if (std::isnan(value)) throw std::invalid_argument("fixed point: cannot encode NaN");
  const double clamped = std::fmax(-range, std::fmin(range, value));
  const auto code = static_cast<std::int64_t>(std::llround(std::ldexp(clamped, frac_bits)));
  return static_cast<std::uint64_t>(code) & ring_mask(bits);
}

double FixedPoint::decode(std::uint64_t sum) const {
  sum &= ring_mask(bits);
  std::int64_t signed_sum;
  if (bits == 64) {
    signed_sum = static_cast<std::int64_t>(sum);
  } else {
    const std::uint64_t half = std::uint64_t{1} << (bits - 1);
    signed_sum = sum >= half ? static_cast<std::int64_t>(sum) - (std::int64_t{1} << (bits - 1)) * 2
                             : static_cast<std::int64_t>(sum);
  }
  return std::ldexp(static_cast<double>(signed_sum), -frac_bits);
}

std::vector<std::uint64_t> encode_update(const models::Parameters& trained,
                                         const models::Parameters& base, double weight,
                                         const FixedPoint& code, std::size_t* clamped) {
  if (!trained.same_layout(base) || !trained.all_float32() ||
      trained.bytes.size() != base.bytes.size())
    throw std::invalid_argument(
        "secure update: the trained parameters and their base differ in layout or are not float32");
  if (!(weight > 0) || weight > code.range)
    throw std::invalid_argument("secure update: weight " + std::to_string(weight) +
                                " outside (0, " + std::to_string(code.range) + "]");
  const auto n = static_cast<std::size_t>(trained.numel());
  const float* t = trained.float_data();
  const float* b = base.float_data();
  std::vector<std::uint64_t> out(n + 1);
  std::size_t over = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = weight * (static_cast<double>(t[i]) - static_cast<double>(b[i]));
    if (!std::isfinite(v))
      throw std::invalid_argument("secure update: element " + std::to_string(i) + " is not finite");
    if (std::fabs(v) > code.range) ++over;
    out[i] = code.encode(v);
  }
  out[n] = code.encode(weight);
  if (clamped != nullptr) *clamped = over;
  return out;
}

DecodedSum decode_sum(const std::vector<std::uint64_t>& sum, const models::Parameters& layout,
                      const FixedPoint& code) {
  if (!layout.all_float32())
    throw std::runtime_error("secure update: the layout to decode into is not float32");
  const auto n = static_cast<std::size_t>(layout.numel());
  if (sum.size() != n + 1)
    throw std::runtime_error("secure update: a sum of " + std::to_string(sum.size()) +
                             " elements does not fit a model of " + std::to_string(n) +
                             " floats plus its weight");
  DecodedSum out;
  out.total_weight = code.decode(sum[n]);
  if (!(out.total_weight > 0))
    throw std::runtime_error("secure update: the summed weight is not positive");
  out.average_change.tensors = layout.tensors;
  out.average_change.bytes.resize(layout.bytes.size());
  float* avg = out.average_change.float_data();
  for (std::size_t i = 0; i < n; ++i)
    avg[i] = static_cast<float>(code.decode(sum[i]) / out.total_weight);
  return out;
}

}  // namespace troupe::runtime::secagg
