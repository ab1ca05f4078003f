#include "runtime/aggregation/update_validation.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

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

/// Index of the first non-finite element of `count` values of type T at `data`, or -1.
template <class T>
std::int64_t first_non_finite(const unsigned char* data, std::uint64_t count, T* value) {
  for (std::uint64_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));  // the buffer need not be aligned
    if (!std::isfinite(v)) {
      *value = v;
      return static_cast<std::int64_t>(i);
    }
  }
  return -1;
}

}  // namespace

std::string validate_update(const models::Parameters& reference, const models::Parameters& update,
                            const UpdateLimits& limits) {
  std::ostringstream why;
  if (update.bytes.size() > limits.max_bytes) {
    why << "update holds " << update.bytes.size() << " bytes, over the limit of "
        << limits.max_bytes;
    return why.str();
  }
  if (update.tensors.size() > limits.max_tensors) {
    why << "update describes " << update.tensors.size() << " tensors, over the limit of "
        << limits.max_tensors;
    return why.str();
  }
  // The update's own layout must be consistent before any byte is read through it.
  std::uint64_t offset = 0;
  for (const auto& t : update.tensors) {
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
  if (offset != update.bytes.size()) {
    why << "buffer holds " << update.bytes.size() << " bytes but the layout describes " << offset;
    return why.str();
  }
  if (update.tensors.size() != reference.tensors.size()) {
    why << "update has " << update.tensors.size() << " tensors, the model has "
        << reference.tensors.size();
    return why.str();
  }
  for (std::size_t i = 0; i < update.tensors.size(); ++i) {
    const auto& got = update.tensors[i];
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
  for (const auto& t : update.tensors) {
    const auto* data = update.bytes.data() + t.offset;
    std::int64_t bad = -1;
    double value = 0.0;
    if (t.dtype == models::DType::float32) {
      float v = 0.0F;
      bad = first_non_finite<float>(data, t.nbytes / sizeof(float), &v);
      value = v;
    } else if (t.dtype == models::DType::float64) {
      bad = first_non_finite<double>(data, t.nbytes / sizeof(double), &value);
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

}  // namespace troupe::runtime
