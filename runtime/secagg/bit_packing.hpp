#pragma once
/// \file
/// Ring vectors on the wire at `bits` bits per element, not 64: a 48-bit ring
/// costs 6 bytes an element, 1.5x a float32 update instead of 2x.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace troupe::runtime::secagg {

/// Bytes that `count` elements of `bits` bits take: ceil(count * bits / 8).
std::size_t packed_size(std::size_t count, int bits);

/// Appends the elements (each below 2^bits), least significant bit first.
void pack_bits(const std::vector<std::uint64_t>& values, int bits, std::vector<std::uint8_t>& out);

/// `count` elements from exactly packed_size(count, bits) bytes at `data`;
/// false when the unused bits of the last byte are not zero (malformed).
bool unpack_bits(const std::uint8_t* data, std::size_t count, int bits,
                 std::vector<std::uint64_t>& values);

}  // namespace troupe::runtime::secagg
