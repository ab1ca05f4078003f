#pragma once
/// \file
/// Admission control by shared secret, challenge–response: a joining process
/// asks for a nonce, answers HMAC-SHA256(secret, nonce ‖ name), and the
/// scheduler checks the answer in constant time. The secret never crosses the
/// wire; a nonce is good for one answer and for a limited time, so a recorded
/// answer cannot be replayed. Pure: the clock and the nonce's random bytes are
/// passed in. TLS (when configured) protects the channel but is not
/// authentication: with a secret configured, a TLS peer must still answer.
/// A scheduler that listens for other processes issues a nonce with every
/// hello even without a secret (AdmissionOptions::require_nonce): nodes sign
/// it with their key (node_identity.hpp), and a request without one skipped
/// the hello and its version check.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace troupe::runtime {

/// Shortest secret accepted, in bytes.
inline constexpr std::size_t kMinSecretBytes = 16;

/// Reads a secret from `path`: the file's content without trailing newlines
/// or spaces. Throws std::runtime_error naming the file when it cannot be read,
/// is empty, or is shorter than kMinSecretBytes.
std::string read_secret_file(const std::string& path);

/// Lower-case hex of HMAC-SHA256(key, message).
std::string hmac_sha256_hex(const std::string& key, const std::string& message);

/// The answer to a challenge: hex HMAC-SHA256(secret, nonce ‖ name).
std::string admission_proof(const std::string& secret, const std::string& nonce,
                            const std::string& name);

/// An answer to a challenge as it travels with a message (submit, status,
/// aggregator offer, node registration): the nonce the scheduler issued and
/// the proof for it (empty when the sender has no secret). Nodes add their
/// identity: their public key and their signature of admission_statement().
struct Admission {
  std::string nonce;
  std::string proof;
  std::string public_key;  ///< hex Ed25519 public key (nodes only)
  std::string signature;   ///< hex signature of the admission statement (nodes only)
  bool empty() const { return nonce.empty() && proof.empty(); }
};

/// The answer for `name` to `nonce` with `secret`.
Admission answer_challenge(const std::string& secret, const std::string& nonce,
                           const std::string& name);

/// `a == b` in time that depends on the lengths only.
bool constant_time_equal(const std::string& a, const std::string& b);

/// `bytes` random bytes from the system's CSPRNG, hex encoded; throws on failure.
std::string random_nonce(std::size_t bytes = 16);

struct AdmissionOptions {
  double nonce_ttl_s = 30.0;           ///< a nonce unanswered for longer is void
  std::size_t max_outstanding = 1024;  ///< oldest nonces are dropped beyond this (flooding)
  /// Every answer must name a nonce this gate issued, even without a secret.
  bool require_nonce = false;
};

/// The scheduler's side: issues nonces and verifies answers.
class AdmissionGate {
 public:
  /// An empty `secret` without require_nonce disables admission control:
  /// every answer is accepted. With require_nonce only the nonce is checked.
  explicit AdmissionGate(std::string secret = {}, AdmissionOptions options = {});

  bool enabled() const { return !secret_.empty() || options_.require_nonce; }

  /// Records `nonce` (fresh random bytes from the caller) as issued at `now`
  /// for `name`; returns it.
  std::string issue(const std::string& nonce, const std::string& name, double now);

  /// Empty when `proof` answers `nonce` for `name` (the nonce is then used up);
  /// otherwise the reason ("unknown or already used nonce", "nonce expired",
  /// "wrong proof (bad secret?)", ...). A failed answer also uses up the nonce.
  std::string verify(const std::string& name, const std::string& nonce, const std::string& proof,
                     double now);
  /// The same for an answer as it came with a message.
  std::string verify(const std::string& name, const Admission& answer, double now) {
    return verify(name, answer.nonce, answer.proof, now);
  }

  std::size_t outstanding() const { return issued_.size(); }

 private:
  struct Issued {
    std::string name;
    double at = 0.0;
  };
  std::string secret_;
  AdmissionOptions options_;
  std::map<std::string, Issued> issued_;
  std::deque<std::string> order_;  ///< issue order, for eviction
  void expire(double now);
};

}  // namespace troupe::runtime
