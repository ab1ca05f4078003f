#pragma once
/// \file
/// Masks: a 256-bit seed expanded with ChaCha20 (IETF, the seed as the key, a
/// fixed nonce per purpose) into ring elements of Z_{2^bits}, each from the
/// next ceil(bits / 8) bytes of the stream. Full 256-bit seeds and a
/// cryptographic stream: no mask can be guessed from a small seed space.

#include <cstdint>
#include <vector>

#include "runtime/secagg/sodium.hpp"

namespace troupe::runtime::secagg {

/// What a mask is for: the nonce differs, so one seed never gives two equal masks.
enum class MaskPurpose : std::uint8_t { self = 1, pair = 2 };

/// values[i] += sign * PRG(seed)[i] mod 2^bits, sign = +1 (add) or -1.
void apply_mask(std::vector<std::uint64_t>& values, const Key& seed, MaskPurpose purpose, int bits,
                bool subtract);

/// 2^bits - 1: the ring's mask.
inline std::uint64_t ring_mask(int bits) {
  return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

}  // namespace troupe::runtime::secagg
