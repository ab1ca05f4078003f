#include "cli/identity_options.hpp"

#include <iostream>

#include "cli/options.hpp"
#include "runtime/core/input_error.hpp"
#include "runtime/system/node_keys.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

void add_key_options(po::options_description& desc, KeyOptions& o) {
  desc.add_options()("key-file", po::value(&o.key_file),
                     "this node's private key (Ed25519), created with permissions 0600 when "
                     "missing (default: $TROUPE_KEY_FILE, else ~/.config/troupe/node.key)")(
      "print-public-key", po::bool_switch(&o.print_public_key),
      "print the public key of --key-file (for the scheduler's --allowed-nodes) and exit");
}

std::optional<int> load_key(const KeyOptions& o, std::shared_ptr<const runtime::NodeKey>& key) {
  const auto path = o.key_file.empty() ? runtime::default_key_file() : o.key_file;
  try {
    key = std::make_shared<const runtime::NodeKey>(runtime::NodeKey::load_or_create(path));
  } catch (const std::exception& e) {
    return usage_error("node", std::string("--key-file: ") + e.what());
  }
  if (!o.print_public_key) return std::nullopt;
  std::cout << key->public_key_hex() << '\n';
  return kExitOk;
}

void add_allowed_nodes_option(po::options_description& desc, std::string& path) {
  desc.add_options()("allowed-nodes", po::value(&path),
                     "only these nodes may register: a file of lines NAME PUBLIC_KEY (hex or "
                     "base64, from `troupe node --print-public-key`), # comments (default: a "
                     "name is bound to the first key it registers with)");
}

std::optional<int> load_allowed_nodes(const std::string& path,
                                      std::map<std::string, std::string>& allowed) {
  if (path.empty()) return std::nullopt;
  try {
    allowed = runtime::read_allowed_nodes(path);
  } catch (const runtime::InputError& e) {
    return usage_error("scheduler", std::string("--allowed-nodes: ") + e.what());
  }
  if (allowed.empty())
    return usage_error("scheduler", "--allowed-nodes: " + path + ":0: lists no node");
  return std::nullopt;
}

}  // namespace troupe::cli
