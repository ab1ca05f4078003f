#pragma once
/// \file
/// The scheduler's binding of node names to public keys. A name is bound to
/// the first key it is admitted with (trust on first use, for the scheduler's
/// lifetime), or fixed in advance by an allowed-nodes file, which also refuses
/// every name it does not list. A registration under a bound name with another
/// key is refused; the node holding the name keeps it.

#include <map>
#include <optional>
#include <string>

namespace troupe::runtime {

/// Reads an allowed-nodes file: one `NAME PUBLIC_KEY` per line (the key as hex or
/// base64, see parse_public_key), blank lines and `#` comments ignored. Throws
/// InputError naming FILE:LINE on a malformed line or a name listed twice, and
/// FILE:0 when the file cannot be read.
std::map<std::string, std::string> read_allowed_nodes(const std::string& path);

class NodeKeys {
 public:
  /// Trust on first use: every name may enrol once.
  NodeKeys() = default;
  /// Only these names, each with its key.
  explicit NodeKeys(std::map<std::string, std::string> allowed)
      : bound_(std::move(allowed)), fixed_(true) {}

  /// Empty when `name` may register with `public_key_hex` (enrolling it on first
  /// use); otherwise why not.
  std::string admit(const std::string& name, const std::string& public_key_hex);

  /// The key bound to `name`, if any.
  std::optional<std::string> key_of(const std::string& name) const;
  bool fixed() const { return fixed_; }

 private:
  std::map<std::string, std::string> bound_;
  bool fixed_ = false;
};

}  // namespace troupe::runtime
