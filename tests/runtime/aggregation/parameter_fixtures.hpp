#pragma once
/// \file
/// Small float32 models for the aggregation tests, built by hand.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/parameters.hpp"

namespace troupe::test {

/// One float32 tensor "w" holding `v`.
inline models::Parameters vec(std::vector<float> v) {
  models::Parameters p;
  p.add("w", models::DType::float32, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), p.float_data());
  return p;
}

/// Two tensors "a" and "b", so layouts with the same element count can differ.
inline models::Parameters two(std::vector<float> a, std::vector<float> b) {
  models::Parameters p;
  p.add("a", models::DType::float32, {static_cast<std::int64_t>(a.size())});
  p.add("b", models::DType::float32, {static_cast<std::int64_t>(b.size())});
  std::copy(a.begin(), a.end(), p.float_data());
  std::copy(b.begin(), b.end(), p.float_data() + a.size());
  return p;
}

/// Every element of a float32 model, in layout order.
inline std::vector<float> values(const models::Parameters& p) {
  return {p.float_data(), p.float_data() + p.numel()};
}

}  // namespace troupe::test
