#include "runtime/secagg/shamir.hpp"

#include <stdexcept>

namespace troupe::runtime::secagg {

// GCC and Clang's 128-bit integer (__extension__: not ISO C++, but exact and fast).
__extension__ using uint128 = unsigned __int128;
namespace {

constexpr int kChunkBytes = 7;

std::uint64_t reduce(uint128 v) {
  // 2^61 = 1 mod p: fold the high bits onto the low ones twice.
  std::uint64_t lo = static_cast<std::uint64_t>(v & kFieldPrime);
  std::uint64_t hi = static_cast<std::uint64_t>(v >> 61);
  std::uint64_t r = lo + hi;
  r = (r & kFieldPrime) + (r >> 61);
  return r >= kFieldPrime ? r - kFieldPrime : r;
}

std::uint64_t random_element(Rng& rng) {
  // Rejection sampling keeps coefficients uniform in the field.
  for (;;) {
    const std::uint64_t v = rng.next_u64() & ((std::uint64_t{1} << 61) - 1);
    if (v < kFieldPrime) return v;
  }
}

}  // namespace

std::uint64_t field_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t r = a + b;
  return r >= kFieldPrime ? r - kFieldPrime : r;
}

std::uint64_t field_sub(std::uint64_t a, std::uint64_t b) {
  return a >= b ? a - b : a + kFieldPrime - b;
}

std::uint64_t field_mul(std::uint64_t a, std::uint64_t b) {
  return reduce(static_cast<uint128>(a) * b);
}

std::uint64_t field_inverse(std::uint64_t a) {
  if (a % kFieldPrime == 0) throw std::invalid_argument("zero has no inverse in the field");
  std::uint64_t result = 1, base = a % kFieldPrime, e = kFieldPrime - 2;
  while (e != 0) {
    if (e & 1) result = field_mul(result, base);
    base = field_mul(base, base);
    e >>= 1;
  }
  return result;
}

std::vector<Share> split_secret(const Key& secret, int threshold,
                                const std::vector<std::uint64_t>& xs, Rng& rng) {
  if (threshold < 1 || static_cast<std::size_t>(threshold) > xs.size())
    throw std::invalid_argument("threshold must lie between 1 and the number of shares");
  std::vector<Share> shares(xs.size());
  std::vector<std::uint64_t> coefficients(threshold);
  for (int c = 0; c < kShareChunks; ++c) {
    std::uint64_t chunk = 0;
    for (int b = 0; b < kChunkBytes; ++b) {
      const int at = c * kChunkBytes + b;
      if (at < static_cast<int>(secret.size())) chunk |= std::uint64_t{secret[at]} << (8 * b);
    }
    coefficients[0] = chunk;
    for (int k = 1; k < threshold; ++k) coefficients[k] = random_element(rng);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      std::uint64_t y = 0;  // Horner
      for (int k = threshold - 1; k >= 0; --k) y = field_add(field_mul(y, xs[i]), coefficients[k]);
      shares[i][c] = y;
    }
  }
  return shares;
}

Share interpolate(const std::vector<std::uint64_t>& xs, const std::vector<Share>& shares,
                  std::uint64_t at) {
  if (xs.size() != shares.size() || xs.empty())
    throw std::invalid_argument("interpolation needs as many shares as points");
  Share out{};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    // Lagrange basis l_i(at) = prod_{j != i} (at - x_j) / (x_i - x_j).
    std::uint64_t num = 1, den = 1;
    for (std::size_t j = 0; j < xs.size(); ++j) {
      if (j == i) continue;
      if (xs[i] == xs[j]) throw std::invalid_argument("interpolation points must be distinct");
      num = field_mul(num, field_sub(at, xs[j]));
      den = field_mul(den, field_sub(xs[i], xs[j]));
    }
    const std::uint64_t basis = field_mul(num, field_inverse(den));
    for (int c = 0; c < kShareChunks; ++c)
      out[c] = field_add(out[c], field_mul(shares[i][c], basis));
  }
  return out;
}

std::optional<Key> reconstruct_secret(const std::vector<std::uint64_t>& xs,
                                      const std::vector<Share>& shares) {
  const Share at_zero = interpolate(xs, shares, 0);
  Key secret{};
  for (int c = 0; c < kShareChunks; ++c) {
    const int bytes = std::min<int>(kChunkBytes, static_cast<int>(secret.size()) - c * kChunkBytes);
    if (at_zero[c] >> (8 * bytes) != 0) return {};  // not a chunk of any secret
    for (int b = 0; b < bytes; ++b)
      secret[c * kChunkBytes + b] = static_cast<std::uint8_t>(at_zero[c] >> (8 * b));
  }
  return secret;
}

}  // namespace troupe::runtime::secagg
