#include "runtime/secagg/bit_packing.hpp"

namespace troupe::runtime::secagg {

// GCC and Clang's 128-bit integer (__extension__: not ISO C++, but exact and fast).
__extension__ using uint128 = unsigned __int128;

std::size_t packed_size(std::size_t count, int bits) {
  return (count * static_cast<std::size_t>(bits) + 7) / 8;
}

void pack_bits(const std::vector<std::uint64_t>& values, int bits, std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  out.resize(start + packed_size(values.size(), bits), 0);
  std::uint8_t* p = out.data() + start;
  uint128 acc = 0;
  int held = 0;
  for (std::uint64_t v : values) {
    acc |= static_cast<uint128>(v) << held;
    held += bits;
    while (held >= 8) {
      *p++ = static_cast<std::uint8_t>(acc);
      acc >>= 8;
      held -= 8;
    }
  }
  if (held > 0) *p = static_cast<std::uint8_t>(acc);
}

bool unpack_bits(const std::uint8_t* data, std::size_t count, int bits,
                 std::vector<std::uint64_t>& values) {
  values.resize(count);
  const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  uint128 acc = 0;
  int held = 0;
  const std::uint8_t* p = data;
  for (std::size_t i = 0; i < count; ++i) {
    while (held < bits) {
      acc |= static_cast<uint128>(*p++) << held;
      held += 8;
    }
    values[i] = static_cast<std::uint64_t>(acc) & mask;
    acc >>= bits;
    held -= bits;
  }
  return acc == 0;  // padding bits of the last byte
}

}  // namespace troupe::runtime::secagg
