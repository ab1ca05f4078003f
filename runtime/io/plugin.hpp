#pragma once
/// \file
/// Plugins: shared libraries that add allocation policies, aggregation
/// strategies and node behaviours to troupe without changing it. The troupe
/// binary loads them with `--plugin PATH`; programs call load_plugin.
///
/// A plugin links troupe::troupe and defines its entry point with the macro:
///
///     #include "runtime/allocation/allocator.hpp"
///     #include "runtime/io/plugin.hpp"
///
///     TROUPE_PLUGIN_INIT() {
///       troupe::runtime::register_allocator("mine", [] { return std::make_unique<Mine>(); });
///     }
///
/// In a cluster of processes each process makes its own objects: the scheduler
/// the allocator, the aggregator the strategy, the nodes their behaviour; each
/// of them needs the plugin.

#include <stdexcept>
#include <string>
#include <vector>

namespace troupe::runtime {

/// The plugin interface's version. A plugin built against another version is
/// refused (troupe's types may have changed layout).
inline constexpr int kPluginAbiVersion = 1;

/// Why a plugin could not be loaded; the message names the path.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Loads the shared library at `path` and runs its `troupe_plugin_init`. Returns
/// true when it did, false when a library with the same canonical path was
/// loaded before (nothing happens then). Throws PluginError when the file is
/// missing, the library cannot be loaded (the loader's message is included),
/// the entry point is missing, its ABI version differs, or the entry point
/// throws (registrations it made before throwing stay). Libraries stay loaded
/// until the process ends, since their factories are registered.
bool load_plugin(const std::string& path);

/// Canonical paths of the plugins loaded so far, in load order.
std::vector<std::string> loaded_plugins();

}  // namespace troupe::runtime

/// Opens the definition of a plugin's entry point (follow it with a body), and
/// adds the ABI version the plugin was built against.
#define TROUPE_PLUGIN_INIT()                                                          \
  extern "C" __attribute__((visibility("default"))) int troupe_plugin_abi_version() { \
    return ::troupe::runtime::kPluginAbiVersion;                                      \
  }                                                                                   \
  extern "C" __attribute__((visibility("default"))) void troupe_plugin_init()
