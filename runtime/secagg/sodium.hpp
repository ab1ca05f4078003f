#pragma once
/// \file
/// The few libsodium primitives secure aggregation needs, wrapped in fixed-size
/// types. libsodium rather than hand-written code: it is audited, constant time
/// where secrets are involved, and in Debian (libsodium 1.0.18).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace troupe::runtime::secagg {

using Key = std::array<std::uint8_t, 32>;  ///< X25519 keys, seeds, digests

/// Random bytes: libsodium's OS-backed generator, or a ChaCha20 stream keyed
/// by a hash of `seed` when one is given (tests need repeatable keys).
class Rng {
 public:
  explicit Rng(std::optional<std::uint64_t> seed = {}, std::string_view domain = "rng");
  void fill(std::uint8_t* out, std::size_t size);
  Key key();
  std::uint64_t next_u64();

 private:
  std::optional<Key> stream_key_;
  std::uint64_t counter_ = 0;
};

/// An X25519 key pair.
struct KeyPair {
  Key public_key{};
  Key secret_key{};
};

/// A fresh key pair from `rng`.
KeyPair make_key_pair(Rng& rng);
/// The public key of `secret_key` (X25519 base-point multiplication).
Key public_key_of(const Key& secret_key);
/// X25519(secret_key, public_key); nullopt for a low-order public key.
std::optional<Key> agree(const Key& secret_key, const Key& public_key);

/// BLAKE2b-256 (crypto_generichash) of the concatenated parts, under a domain
/// string as key so that digests made for one purpose never match another's.
Key hash(std::string_view domain, const std::vector<std::vector<std::uint8_t>>& parts);

/// The bytes of an integer, little-endian (what hash() parts are made of).
std::vector<std::uint8_t> le_bytes(std::uint64_t value);

/// XChaCha20-Poly1305 (IETF) encryption of `plain` with `associated` bound to it.
std::vector<std::uint8_t> seal(const Key& key, const std::array<std::uint8_t, 24>& nonce,
                               const std::vector<std::uint8_t>& plain,
                               const std::vector<std::uint8_t>& associated);
/// The plaintext, or nullopt when the ciphertext or associated data was altered.
std::optional<std::vector<std::uint8_t>> open(const Key& key,
                                              const std::array<std::uint8_t, 24>& nonce,
                                              const std::vector<std::uint8_t>& cipher,
                                              const std::vector<std::uint8_t>& associated);
/// Bytes the AEAD adds to a plaintext.
std::size_t seal_overhead();

}  // namespace troupe::runtime::secagg
