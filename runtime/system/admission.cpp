#include "runtime/system/admission.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace troupe::runtime {
namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read secret file '" + path + "'");
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                             secret.back() == ' ' || secret.back() == '\t'))
    secret.pop_back();
  if (secret.empty()) throw std::runtime_error("secret file '" + path + "' is empty");
  if (secret.size() < kMinSecretBytes)
    throw std::runtime_error("secret in '" + path + "' is " + std::to_string(secret.size()) +
                             " bytes; at least " + std::to_string(kMinSecretBytes) +
                             " are required");
  return secret;
}

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
            &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  return to_hex(digest, length);
}

std::string admission_proof(const std::string& secret, const std::string& nonce,
                            const std::string& name) {
  // Nonces are fixed-length hex, so nonce ‖ name is unambiguous.
  return hmac_sha256_hex(secret, nonce + name);
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Admission answer_challenge(const std::string& secret, const std::string& nonce,
                           const std::string& name) {
  Admission a;
  a.nonce = nonce;
  a.proof = admission_proof(secret, nonce, name);
  return a;
}

std::string random_nonce(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
    throw std::runtime_error("no random bytes for a nonce");
  return to_hex(buf.data(), buf.size());
}

AdmissionGate::AdmissionGate(std::string secret, AdmissionOptions options)
    : secret_(std::move(secret)), options_(options) {}

void AdmissionGate::expire(double now) {
  while (!order_.empty()) {
    auto it = issued_.find(order_.front());
    if (it == issued_.end()) {  // already answered
      order_.pop_front();
      continue;
    }
    if (now - it->second.at <= options_.nonce_ttl_s && issued_.size() <= options_.max_outstanding)
      break;
    issued_.erase(it);
    order_.pop_front();
  }
}

std::string AdmissionGate::issue(const std::string& nonce, const std::string& name, double now) {
  if (issued_.count(nonce)) throw std::logic_error("nonce issued twice");
  issued_[nonce] = {name, now};
  order_.push_back(nonce);
  expire(now);
  return nonce;
}

std::string AdmissionGate::verify(const std::string& name, const std::string& nonce,
                                  const std::string& proof, double now) {
  if (!enabled()) return {};
  const bool secret = !secret_.empty();
  if (nonce.empty() || (secret && proof.empty()))
    return secret ? "no answer to a challenge (a secret is required)"
                  : "no nonce from a hello (a troupe that predates the version handshake?)";
  auto it = issued_.find(nonce);
  if (it == issued_.end()) return "unknown or already used nonce";
  const Issued issued = it->second;
  issued_.erase(it);  // single use, whatever the outcome
  if (now - issued.at > options_.nonce_ttl_s) return "nonce expired";
  if (issued.name != name) return "nonce was issued to '" + issued.name + "'";
  if (secret && !constant_time_equal(proof, admission_proof(secret_, nonce, name)))
    return "wrong proof (bad secret?)";
  return {};
}

}  // namespace troupe::runtime
