#include "runtime/dp/noise_key.hpp"

#include <random>

namespace troupe::runtime {

std::uint64_t noise_key(const JobSpec& job) {
  if (job.privacy.reproducible_noise) return job.seed;
  // std::random_device reads the kernel's getrandom()/urandom on Linux (libstdc++).
  std::random_device os;
  return (std::uint64_t{os()} << 32) ^ std::uint64_t{os()};
}

}  // namespace troupe::runtime
