#pragma once
/// \file
/// Node identity on the command line: a node's --key-file and
/// --print-public-key, and the scheduler's --allowed-nodes.

#include <boost/program_options/options_description.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/system/node_identity.hpp"

namespace troupe::cli {

/// What `troupe node` was told about its key.
struct KeyOptions {
  std::string key_file;  ///< empty: runtime::default_key_file()
  bool print_public_key = false;
};

/// Adds --key-file and --print-public-key.
void add_key_options(boost::program_options::options_description& desc, KeyOptions& o);

/// Loads (or creates) the node's key into `key`. An exit code when the command
/// is over: 2 when the key file is unusable, 0 after --print-public-key printed
/// the public key.
std::optional<int> load_key(const KeyOptions& o, std::shared_ptr<const runtime::NodeKey>& key);

/// Adds --allowed-nodes FILE.
void add_allowed_nodes_option(boost::program_options::options_description& desc, std::string& path);

/// Reads the allowed-nodes file at `path` (if given) into `allowed`; exit code
/// 2, naming FILE:LINE, when it is malformed.
std::optional<int> load_allowed_nodes(const std::string& path,
                                      std::map<std::string, std::string>& allowed);

}  // namespace troupe::cli
