#pragma once
/// \file
/// Resource vectors: CPU, memory and GPU memory, the dimensions of task demand
/// and node capacity.

#include <array>
#include <cstddef>

namespace troupe::runtime {

inline constexpr std::size_t kResourceKinds = 3;
/// CPU (cores or work units), memory, GPU memory, in the caller's units.
using Resources = std::array<double, kResourceKinds>;
inline constexpr std::array<const char*, kResourceKinds> kResourceNames = {"cpu", "memory",
                                                                           "gpu_memory"};

/// True when `demand` fits into `free` in every dimension (with a relative tolerance).
inline bool fits(const Resources& demand, const Resources& free) {
  for (std::size_t r = 0; r < kResourceKinds; ++r)
    if (demand[r] > free[r] + 1e-9 * (free[r] > 1.0 ? free[r] : 1.0)) return false;
  return true;
}

inline void subtract(Resources& from, const Resources& amount) {
  for (std::size_t r = 0; r < kResourceKinds; ++r) from[r] -= amount[r];
}

inline void add(Resources& to, const Resources& amount) {
  for (std::size_t r = 0; r < kResourceKinds; ++r) to[r] += amount[r];
}

}  // namespace troupe::runtime
