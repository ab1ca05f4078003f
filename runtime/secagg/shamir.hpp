#pragma once
/// \file
/// Shamir t-of-n secret sharing of 32-byte secrets over the prime field
/// GF(2^61 - 1) (a Mersenne prime: reduction is a shift and an add). A secret
/// is cut into five 7-byte chunks (56 bits < 61, so every chunk is a field
/// element and a reconstructed chunk of 2^56 or more proves a wrong share);
/// each chunk gets its own random polynomial of degree t - 1, and one share is
/// the five values at one x.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/secagg/sodium.hpp"

namespace troupe::runtime::secagg {

/// The field's modulus, 2^61 - 1.
inline constexpr std::uint64_t kFieldPrime = (std::uint64_t{1} << 61) - 1;
/// Field elements per share of a 32-byte secret: ceil(32 / 7).
inline constexpr int kShareChunks = 5;
using Share = std::array<std::uint64_t, kShareChunks>;

std::uint64_t field_add(std::uint64_t a, std::uint64_t b);
std::uint64_t field_sub(std::uint64_t a, std::uint64_t b);
std::uint64_t field_mul(std::uint64_t a, std::uint64_t b);
/// a^-1 for a != 0 (Fermat: a^(p-2)).
std::uint64_t field_inverse(std::uint64_t a);

/// Shares of `secret` at the points `xs` (distinct, nonzero, below the prime),
/// any `threshold` of which reconstruct it.
std::vector<Share> split_secret(const Key& secret, int threshold,
                                const std::vector<std::uint64_t>& xs, Rng& rng);

/// The polynomials' values at `at` interpolated from the points (xs, shares)
/// (Lagrange; xs distinct and nonzero).
Share interpolate(const std::vector<std::uint64_t>& xs, const std::vector<Share>& shares,
                  std::uint64_t at);

/// The secret from the points (exactly the threshold's number of them), or
/// nullopt when the value at 0 cannot be a secret (some share was wrong).
std::optional<Key> reconstruct_secret(const std::vector<std::uint64_t>& xs,
                                      const std::vector<Share>& shares);

}  // namespace troupe::runtime::secagg
