#pragma once
/// \file
/// A node's identity: an Ed25519 key pair (libsodium's crypto_sign). The node
/// signs the scheduler's admission nonce together with its own name and the
/// scheduler's identity (admission_statement), so a signature is good for one
/// nonce, one name and one scheduler and cannot be replayed. Public keys travel
/// and are written as lower-case hex; base64 is read too (allowed-nodes files).

#include <optional>
#include <string>

namespace troupe::runtime {

/// Bytes of an Ed25519 public key.
inline constexpr std::size_t kPublicKeyBytes = 32;

/// The message a node signs to answer the admission challenge `nonce` of the
/// scheduler `scheduler_id` under `name`. Fields are length-prefixed, so no two
/// different triples give the same message.
std::string admission_statement(const std::string& scheduler_id, const std::string& nonce,
                                const std::string& name);

/// A public key from hex (64 digits) or base64 (44 characters) text, as lower-case
/// hex; empty when `text` is neither.
std::optional<std::string> parse_public_key(const std::string& text);

/// True when `signature_hex` is a valid Ed25519 signature of `message` by
/// `public_key_hex`.
bool verify_signature(const std::string& public_key_hex, const std::string& message,
                      const std::string& signature_hex);

/// A node's Ed25519 key pair.
class NodeKey {
 public:
  /// A fresh key pair from the system's CSPRNG.
  static NodeKey generate();
  /// Reads the key file at `path` (64 bytes: secret key, as written by save());
  /// creates it with permissions 0600 (and its directory) when it does not exist.
  /// Throws std::runtime_error naming the file when it cannot be read, written or
  /// is not a key file.
  static NodeKey load_or_create(const std::string& path);

  /// Lower-case hex of the public key.
  std::string public_key_hex() const;
  /// Lower-case hex of the detached signature of `message`.
  std::string sign(const std::string& message) const;

 private:
  NodeKey() = default;
  std::string secret_;  ///< libsodium's 64-byte secret key (seed and public key)
};

/// Where `troupe node` keeps its key without --key-file: $TROUPE_KEY_FILE, else
/// $XDG_CONFIG_HOME/troupe/node.key, else $HOME/.config/troupe/node.key.
std::string default_key_file();

}  // namespace troupe::runtime
