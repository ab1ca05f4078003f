#pragma once
/// \file
/// The two operations of the Gaussian mechanism over a model's flat float32
/// buffer: clip a change to an L2 norm, add N(0, stddev^2) to every value. The
/// random generator is passed in, so a caller seeds it (from the job seed and
/// the round, or from the operating system) and a test repeats a draw.

#include <cstddef>
#include <cstdint>
#include <random>

namespace troupe::runtime {

/// The generator of all privacy noise: 64-bit Mersenne Twister, whose output
/// sequence the C++ standard fixes, so a seed gives the same noise everywhere.
using NoiseGenerator = std::mt19937_64;

/// Scales delta[0..n) down to L2 norm `clip` when it is longer (a shorter one
/// is left as it is). Returns the norm before clipping. A non-finite norm
/// zeroes the delta: such an update carries no usable information, and keeping
/// it would break the sensitivity bound. Throws std::invalid_argument when
/// clip is not positive and finite.
double clip_to_norm(float* delta, std::size_t n, double clip);

/// Adds independent N(0, stddev^2) noise to values[0..n). stddev = 0 leaves
/// them as they are; a negative or non-finite stddev throws std::invalid_argument.
void add_gaussian_noise(float* values, std::size_t n, double stddev, NoiseGenerator& rng);

/// One draw of N(0, stddev^2) (the noised count of adaptive clipping).
double gaussian(double stddev, NoiseGenerator& rng);

/// A seed for the noise of one step: a stable mix of the job's seed, a
/// purpose tag (central, local, clip count), the round and a task, so that
/// different noises of one job never share a stream.
std::uint64_t noise_seed(std::uint64_t job_seed, std::uint64_t purpose, std::int64_t round,
                         std::int64_t task);

}  // namespace troupe::runtime
