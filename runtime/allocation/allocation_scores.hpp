#pragma once
/// \file
/// Node scores shared by the resource-aware greedy allocators (higher is better).

#include <cmath>

#include "runtime/allocation/resource_vector.hpp"

namespace troupe::runtime::scores {

/// Mean over the resources the node has (capacity > 0) of free_after / capacity.
inline double free_fraction(const Resources& free_after, const Resources& capacity) {
  double sum = 0.0;
  int kinds = 0;
  for (std::size_t r = 0; r < kResourceKinds; ++r) {
    if (capacity[r] <= 0.0) continue;
    sum += free_after[r] / capacity[r];
    ++kinds;
  }
  return kinds ? sum / kinds : 0.0;
}

/// Standard deviation over the resources the node has of the used fractions.
inline double used_fraction_spread(const Resources& free_after, const Resources& capacity) {
  double f[kResourceKinds];
  int kinds = 0;
  double mean = 0.0;
  for (std::size_t r = 0; r < kResourceKinds; ++r) {
    if (capacity[r] <= 0.0) continue;
    f[kinds] = 1.0 - free_after[r] / capacity[r];
    mean += f[kinds++];
  }
  if (kinds == 0) return 0.0;
  mean /= kinds;
  double var = 0.0;
  for (int i = 0; i < kinds; ++i) var += (f[i] - mean) * (f[i] - mean);
  return var / kinds > 0.0 ? std::sqrt(var / kinds) : 0.0;
}

}  // namespace troupe::runtime::scores
