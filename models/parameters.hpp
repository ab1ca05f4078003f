#pragma once
/// \file
/// Model parameters as plain data: one contiguous byte buffer plus a layout
/// (name, dtype, shape, offset) per tensor. No LibTorch and no CAF here, so any
/// layer can hold, average or ship parameters without compiling LibTorch.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe::models {

/// Element type of one tensor. Values are stable: they travel on the wire.
enum class DType : std::uint8_t { float32 = 0, float64 = 1, int64 = 2, int32 = 3, uint8 = 4 };

/// Size of one element in bytes.
std::size_t dtype_size(DType dtype);
/// "float32", "float64", ...
const char* to_string(DType dtype);

/// Layout of one tensor inside `Parameters::bytes`.
struct TensorInfo {
  std::string name;
  DType dtype = DType::float32;
  std::vector<std::int64_t> shape;
  std::uint64_t offset = 0;  ///< byte offset into the buffer
  std::uint64_t nbytes = 0;  ///< number of bytes, = numel * dtype_size

  std::int64_t numel() const;
  bool operator==(const TensorInfo& other) const;
};

/// A named set of tensors stored back to back in one buffer (host byte order).
struct Parameters {
  std::vector<TensorInfo> tensors;
  std::vector<unsigned char> bytes;

  /// Appends a tensor's layout and reserves its bytes; returns its offset.
  std::uint64_t add(std::string name, DType dtype, std::vector<std::int64_t> shape);
  /// True when both have the same names, dtypes and shapes in the same order.
  bool same_layout(const Parameters& other) const;
  /// True when every tensor is float32 (the only type the arithmetic handles).
  bool all_float32() const;
  /// Total number of elements over all tensors.
  std::int64_t numel() const;
  /// Checks internal consistency (offsets, sizes, buffer length);
  /// returns an empty string when valid, else the reason.
  std::string validate() const;

  float* float_data() { return reinterpret_cast<float*>(bytes.data()); }
  const float* float_data() const { return reinterpret_cast<const float*>(bytes.data()); }
};

/// A 64-bit FNV-1a hash of the layout and bytes: equal parameters give equal
/// fingerprints, so two runs can be compared bit for bit without shipping models.
std::uint64_t fingerprint(const Parameters& params);

}  // namespace troupe::models
