#include "runtime/system/node_keys.hpp"

#include <fstream>
#include <sstream>

#include "runtime/core/input_error.hpp"
#include "runtime/system/node_identity.hpp"

namespace troupe::runtime {

std::map<std::string, std::string> read_allowed_nodes(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "cannot read the allowed-nodes file");
  std::map<std::string, std::string> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::string name, key, extra;
    if (!(fields >> name)) continue;  // blank or comment
    if (!(fields >> key))
      throw InputError(path, number, "'" + name + "' has no public key (expected NAME PUBLIC_KEY)");
    if (fields >> extra)
      throw InputError(path, number, "unexpected '" + extra + "' after the key of '" + name + "'");
    const auto parsed = parse_public_key(key);
    if (!parsed)
      throw InputError(path, number,
                       "'" + key + "' is not an Ed25519 public key (64 hex digits or base64)");
    if (!out.emplace(name, *parsed).second)
      throw InputError(path, number, "node '" + name + "' is listed twice");
  }
  return out;
}

std::string NodeKeys::admit(const std::string& name, const std::string& public_key_hex) {
  if (public_key_hex.empty()) return "node '" + name + "' presented no public key";
  const auto it = bound_.find(name);
  if (it == bound_.end()) {
    if (fixed_) return "node '" + name + "' is not in the allowed-nodes list";
    bound_.emplace(name, public_key_hex);
    return {};
  }
  if (it->second != public_key_hex)
    return "node name '" + name + "' is bound to another key (" + it->second.substr(0, 16) +
           "...; this one is " + public_key_hex.substr(0, 16) + "...)";
  return {};
}

std::optional<std::string> NodeKeys::key_of(const std::string& name) const {
  const auto it = bound_.find(name);
  if (it == bound_.end()) return std::nullopt;
  return it->second;
}

}  // namespace troupe::runtime
