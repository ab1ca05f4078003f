#include "runtime/aggregation/update_validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace troupe::runtime {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

/// Elements of `shape`, or nothing when a dimension is negative or the product overflows.
bool checked_numel(const std::vector<std::int64_t>& shape, std::uint64_t* out) {
  std::uint64_t n = 1;
  for (auto d : shape) {
    if (d < 0) return false;
    const auto u = static_cast<std::uint64_t>(d);
    if (u != 0 && n > std::numeric_limits<std::uint64_t>::max() / u) return false;
    n *= u;
  }
  *out = n;
  return true;
}

/// Whether any of the kBlock values of type T (an IEEE float of `Bits` bits) at
/// `data` is infinite or NaN: every exponent bit set. No early exit and a
/// compile-time trip count, so that GCC's -O2 vectorises the loop; a plain
/// std::isfinite loop with a return inside stayed scalar and made validation
/// the aggregator's largest cost at 50 small updates a round.
constexpr std::uint64_t kBlock = 1024;

template <class Bits>
bool block_has_non_finite(const unsigned char* data, Bits exponent) {
  Bits bad = 0;
  for (std::uint64_t i = 0; i < kBlock; ++i) {
    Bits b;
    std::memcpy(&b, data + i * sizeof(Bits), sizeof(Bits));  // the buffer need not be aligned
    bad |= static_cast<Bits>((b & exponent) == exponent);
  }
  return bad != 0;
}

/// Index of the first non-finite element of `count` values of type T at `data`, or -1.
template <class T, class Bits>
std::int64_t first_non_finite(const unsigned char* data, std::uint64_t count, Bits exponent,
                              T* value) {
  static_assert(sizeof(T) == sizeof(Bits), "T and Bits differ in size");
  std::uint64_t start = 0;
  // Whole blocks are checked without branching; the first one that holds a
  // non-finite value, and the tail, are searched element by element.
  while (start + kBlock <= count && !block_has_non_finite<Bits>(data + start * sizeof(T), exponent))
    start += kBlock;
  for (std::uint64_t i = start; i < count; ++i) {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    if (!std::isfinite(v)) {
      *value = v;
      return static_cast<std::int64_t>(i);
    }
  }
  return -1;
}

/// The checks before any value is read: limits, the layout's consistency
/// with itself and with `size` bytes, and with `reference`.
std::string layout_problem(const models::Parameters& reference,
                           const std::vector<models::TensorInfo>& tensors, std::uint64_t size,
                           const UpdateLimits& limits) {
  std::ostringstream why;
  if (size > limits.max_bytes) {
    why << "update holds " << size << " bytes, over the limit of " << limits.max_bytes;
    return why.str();
  }
  if (tensors.size() > limits.max_tensors) {
    why << "update describes " << tensors.size() << " tensors, over the limit of "
        << limits.max_tensors;
    return why.str();
  }
  // The update's own layout must be consistent before any byte is read through it.
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    const auto elem = models::dtype_size(t.dtype);
    std::uint64_t numel = 0;
    if (elem == 0) {
      why << "tensor '" << t.name << "' has an unknown dtype (" << static_cast<int>(t.dtype) << ")";
      return why.str();
    }
    if (!checked_numel(t.shape, &numel) || numel > limits.max_bytes / elem) {
      why << "tensor '" << t.name << "' has an invalid or oversized shape " << shape_text(t.shape);
      return why.str();
    }
    if (t.offset != offset || t.nbytes != numel * elem) {
      why << "tensor '" << t.name << "' has offset " << t.offset << " and " << t.nbytes
          << " bytes; its layout needs offset " << offset << " and " << numel * elem << " bytes";
      return why.str();
    }
    offset += t.nbytes;
  }
  if (offset != size) {
    why << "buffer holds " << size << " bytes but the layout describes " << offset;
    return why.str();
  }
  if (tensors.size() != reference.tensors.size()) {
    why << "update has " << tensors.size() << " tensors, the model has "
        << reference.tensors.size();
    return why.str();
  }
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& got = tensors[i];
    const auto& want = reference.tensors[i];
    if (got.name != want.name) {
      why << "tensor " << i << " is named '" << got.name << "', expected '" << want.name << "'";
      return why.str();
    }
    if (got.dtype != want.dtype) {
      why << "tensor '" << got.name << "' has dtype " << models::to_string(got.dtype)
          << ", expected " << models::to_string(want.dtype);
      return why.str();
    }
    if (got.shape != want.shape) {
      why << "tensor '" << got.name << "' has shape " << shape_text(got.shape) << ", expected "
          << shape_text(want.shape);
      return why.str();
    }
  }
  return {};
}

/// The first non-finite float32 or float64 value of `tensors`, whose bytes
/// `view(offset, n)` shows `n` at a time (at most `chunk`, a multiple of 8).
template <class View>
std::string non_finite_problem(const std::vector<models::TensorInfo>& tensors, View&& view,
                               std::uint64_t chunk) {
  std::ostringstream why;
  for (const auto& t : tensors) {
    const bool f32 = t.dtype == models::DType::float32;
    if (!f32 && t.dtype != models::DType::float64) continue;
    const std::uint64_t elem = f32 ? sizeof(float) : sizeof(double);
    std::int64_t bad = -1;
    double value = 0.0;
    for (std::uint64_t done = 0; bad < 0 && done < t.nbytes; done += chunk) {
      const auto n = std::min<std::uint64_t>(chunk, t.nbytes - done);
      const unsigned char* data = view(t.offset + done, static_cast<std::size_t>(n));
      if (f32) {
        float v = 0.0F;
        bad = first_non_finite<float, std::uint32_t>(data, n / elem, 0x7f800000U, &v);
        value = v;
      } else {
        bad =
            first_non_finite<double, std::uint64_t>(data, n / elem, 0x7ff0000000000000ULL, &value);
      }
      if (bad >= 0) bad += static_cast<std::int64_t>(done / elem);
    }
    if (bad >= 0) {
      why << "tensor '" << t.name << "' value " << bad << " is not finite ("
          << (std::isnan(value) ? "nan"
              : value > 0       ? "inf"
                                : "-inf")
          << ")";
      return why.str();
    }
  }
  return {};
}

}  // namespace

std::string validate_update(const models::Parameters& reference, const models::Parameters& update,
                            const UpdateLimits& limits) {
  if (auto why = layout_problem(reference, update.tensors, update.bytes.size(), limits);
      !why.empty())
    return why;
  const auto view = [&](std::uint64_t offset, std::size_t) { return update.bytes.data() + offset; };
  return non_finite_problem(update.tensors, view,
                            std::numeric_limits<std::uint64_t>::max() & ~7ULL);
}

std::string validate_update(const models::Parameters& reference,
                            const std::vector<models::TensorInfo>& tensors,
                            const SpooledBytes& bytes, const UpdateLimits& limits) {
  if (auto why = layout_problem(reference, tensors, bytes.size(), limits); !why.empty()) return why;
  constexpr std::uint64_t kChunk = std::uint64_t{1} << 20;
  std::vector<unsigned char> scratch(static_cast<std::size_t>(std::min(kChunk, bytes.size())));
  const auto view = [&](std::uint64_t offset, std::size_t n) {
    bytes.read(offset, scratch.data(), n);
    return static_cast<const unsigned char*>(scratch.data());
  };
  try {
    return non_finite_problem(tensors, view, kChunk);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

}  // namespace troupe::runtime
