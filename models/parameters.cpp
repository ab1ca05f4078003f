#include "models/parameters.hpp"

#include <iterator>
#include <numeric>
#include <sstream>

namespace troupe::models {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::float32:
      return 4;
    case DType::float64:
      return 8;
    case DType::int64:
      return 8;
    case DType::int32:
      return 4;
    case DType::uint8:
      return 1;
  }
  return 0;
}

const char* to_string(DType dtype) {
  // Indexed by the enumerators' values (parameters.hpp numbers them from 0).
  static constexpr const char* kNames[] = {"float32", "float64", "int64", "int32", "uint8"};
  const auto i = static_cast<std::size_t>(dtype);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

std::int64_t TensorInfo::numel() const {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1},
                         [](std::int64_t a, std::int64_t b) { return a * b; });
}

bool TensorInfo::operator==(const TensorInfo& other) const {
  return name == other.name && dtype == other.dtype && shape == other.shape &&
         offset == other.offset && nbytes == other.nbytes;
}

std::uint64_t Parameters::add(std::string name, DType dtype, std::vector<std::int64_t> shape) {
  TensorInfo info;
  info.name = std::move(name);
  info.dtype = dtype;
  info.shape = std::move(shape);
  info.offset = bytes.size();
  info.nbytes = static_cast<std::uint64_t>(info.numel()) * dtype_size(dtype);
  bytes.resize(bytes.size() + info.nbytes);
  tensors.push_back(std::move(info));
  return tensors.back().offset;
}

bool Parameters::same_layout(const Parameters& other) const {
  return tensors == other.tensors && bytes.size() == other.bytes.size();
}

bool Parameters::all_float32() const {
  for (const auto& t : tensors)
    if (t.dtype != DType::float32) return false;
  return true;
}

std::int64_t Parameters::numel() const {
  std::int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

std::string Parameters::validate() const {
  std::uint64_t expected_offset = 0;
  for (const auto& t : tensors) {
    std::ostringstream why;
    if (dtype_size(t.dtype) == 0) {
      why << "tensor '" << t.name << "' has an unknown dtype";
      return why.str();
    }
    for (auto d : t.shape) {
      if (d < 0) {
        why << "tensor '" << t.name << "' has a negative dimension";
        return why.str();
      }
    }
    if (t.offset != expected_offset ||
        t.nbytes != static_cast<std::uint64_t>(t.numel()) * dtype_size(t.dtype)) {
      why << "tensor '" << t.name << "' has an inconsistent offset or size";
      return why.str();
    }
    expected_offset += t.nbytes;
  }
  if (expected_offset != bytes.size()) {
    std::ostringstream why;
    why << "buffer holds " << bytes.size() << " bytes but the layout describes " << expected_offset;
    return why.str();
  }
  return {};
}

std::uint64_t fingerprint(const Parameters& params) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  };
  for (const auto& t : params.tensors) {
    mix(t.name.data(), t.name.size());
    mix(t.shape.data(), t.shape.size() * sizeof(std::int64_t));
  }
  mix(params.bytes.data(), params.bytes.size());
  return h;
}

}  // namespace troupe::models
