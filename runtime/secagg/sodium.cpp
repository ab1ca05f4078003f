#include "runtime/secagg/sodium.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace troupe::runtime::secagg {
namespace {

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe.
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

std::vector<std::uint8_t> le_bytes(std::uint64_t value) {
  std::vector<std::uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
  return out;
}

Rng::Rng(std::optional<std::uint64_t> seed, std::string_view domain) {
  ensure_sodium();
  if (seed) stream_key_ = hash(domain, {le_bytes(*seed)});
}

void Rng::fill(std::uint8_t* out, std::size_t size) {
  if (!stream_key_) {
    randombytes_buf(out, size);
    return;
  }
  // A fresh nonce per call keeps successive draws independent.
  std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
  const auto count = le_bytes(counter_++);
  std::memcpy(nonce.data(), count.data(), count.size());
  crypto_stream_chacha20_ietf(out, size, nonce.data(), stream_key_->data());
}

Key Rng::key() {
  Key k{};
  fill(k.data(), k.size());
  return k;
}

std::uint64_t Rng::next_u64() {
  std::uint8_t b[8];
  fill(b, sizeof b);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{b[i]} << (8 * i);
  return v;
}

KeyPair make_key_pair(Rng& rng) {
  KeyPair pair;
  pair.secret_key = rng.key();
  pair.public_key = public_key_of(pair.secret_key);
  return pair;
}

Key public_key_of(const Key& secret_key) {
  ensure_sodium();
  Key pk{};
  crypto_scalarmult_base(pk.data(), secret_key.data());
  return pk;
}

std::optional<Key> agree(const Key& secret_key, const Key& public_key) {
  ensure_sodium();
  Key shared{};
  if (crypto_scalarmult(shared.data(), secret_key.data(), public_key.data()) != 0) return {};
  return shared;
}

Key hash(std::string_view domain, const std::vector<std::vector<std::uint8_t>>& parts) {
  ensure_sodium();
  // The domain is the BLAKE2b key, at most 64 bytes: longer domains are hashed first.
  Key domain_key{};
  crypto_generichash(domain_key.data(), domain_key.size(),
                     reinterpret_cast<const unsigned char*>(domain.data()), domain.size(), nullptr,
                     0);
  crypto_generichash_state state;
  crypto_generichash_init(&state, domain_key.data(), domain_key.size(), 32);
  for (const auto& part : parts) {
    const auto size = le_bytes(part.size());  // length-prefixed: parts cannot run together
    crypto_generichash_update(&state, size.data(), size.size());
    crypto_generichash_update(&state, part.data(), part.size());
  }
  Key out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

std::vector<std::uint8_t> seal(const Key& key, const std::array<std::uint8_t, 24>& nonce,
                               const std::vector<std::uint8_t>& plain,
                               const std::vector<std::uint8_t>& associated) {
  ensure_sodium();
  std::vector<std::uint8_t> cipher(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long size = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(cipher.data(), &size, plain.data(), plain.size(),
                                             associated.data(), associated.size(), nullptr,
                                             nonce.data(), key.data());
  cipher.resize(size);
  return cipher;
}

std::optional<std::vector<std::uint8_t>> open(const Key& key,
                                              const std::array<std::uint8_t, 24>& nonce,
                                              const std::vector<std::uint8_t>& cipher,
                                              const std::vector<std::uint8_t>& associated) {
  ensure_sodium();
  if (cipher.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) return {};
  std::vector<std::uint8_t> plain(cipher.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &size, nullptr, cipher.data(),
                                                 cipher.size(), associated.data(),
                                                 associated.size(), nonce.data(), key.data()) != 0)
    return {};
  plain.resize(size);
  return plain;
}

std::size_t seal_overhead() {
  return crypto_aead_xchacha20poly1305_ietf_ABYTES;
}

}  // namespace troupe::runtime::secagg
