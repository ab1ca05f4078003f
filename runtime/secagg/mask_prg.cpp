#include "runtime/secagg/mask_prg.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

namespace troupe::runtime::secagg {

void apply_mask(std::vector<std::uint64_t>& values, const Key& seed, MaskPurpose purpose, int bits,
                bool subtract) {
  const std::size_t width = static_cast<std::size_t>((bits + 7) / 8);
  const std::uint64_t mask = ring_mask(bits);
  std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
  nonce[0] = static_cast<std::uint8_t>(purpose);
  // Blocks of 4,096 elements: a multiple of ChaCha20's 64-byte block for any
  // width, so the block counter continues the stream exactly across chunks.
  constexpr std::size_t kChunk = 4096;
  static_assert(kChunk % 64 == 0);
  std::vector<std::uint8_t> zeros(kChunk * width, 0), stream(kChunk * width);
  std::uint64_t block = 0;
  for (std::size_t start = 0; start < values.size(); start += kChunk) {
    const std::size_t count = std::min(kChunk, values.size() - start);
    crypto_stream_chacha20_ietf_xor_ic(stream.data(), zeros.data(), count * width, nonce.data(),
                                       static_cast<std::uint32_t>(block), seed.data());
    block += kChunk * width / 64;
    const std::uint8_t* s = stream.data();
    for (std::size_t i = 0; i < count; ++i, s += width) {
      std::uint64_t r = 0;
      for (std::size_t b = 0; b < width; ++b) r |= std::uint64_t{s[b]} << (8 * b);
      std::uint64_t& v = values[start + i];
      v = (subtract ? v - r : v + r) & mask;
    }
  }
}

}  // namespace troupe::runtime::secagg
