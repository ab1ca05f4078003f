#include "runtime/io/plugin.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>

namespace troupe::runtime {
namespace {

struct Loaded {
  std::recursive_mutex mutex;  // recursive: an init may load another plugin
  std::vector<std::string> paths;
};

Loaded& loaded() {
  static auto* state = new Loaded;  // never destroyed, like the registries
  return *state;
}

std::string dl_error() {
  const char* why = dlerror();
  return why ? why : "unknown error";
}

}  // namespace

bool load_plugin(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw PluginError("plugin path is empty");
  std::error_code ec;
  const auto canonical = fs::canonical(path, ec);
  if (ec) throw PluginError("plugin '" + path + "': " + ec.message());
  if (!fs::is_regular_file(canonical))
    throw PluginError("plugin '" + path + "': not a regular file");
  const auto key = canonical.string();

  // One load at a time: a plugin's init may register while another loads.
  auto& state = loaded();
  std::lock_guard<std::recursive_mutex> lock(state.mutex);
  for (const auto& p : state.paths)
    if (p == key) return false;

  // RTLD_NOW reports unresolved symbols here rather than at the first call;
  // RTLD_LOCAL keeps one plugin's symbols from satisfying another's.
  dlerror();
  void* handle = dlopen(key.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw PluginError("plugin '" + path + "': cannot load: " + dl_error());
  dlerror();
  void* init = dlsym(handle, "troupe_plugin_init");
  if (!init) {
    const auto why = dl_error();
    dlclose(handle);
    throw PluginError("plugin '" + path +
                      "': no troupe_plugin_init entry point (define it with TROUPE_PLUGIN_INIT() "
                      "from runtime/io/plugin.hpp): " +
                      why);
  }
  if (void* abi = dlsym(handle, "troupe_plugin_abi_version")) {
    const int version = reinterpret_cast<int (*)()>(abi)();
    if (version != kPluginAbiVersion) {
      dlclose(handle);
      throw PluginError("plugin '" + path + "': built for plugin ABI " + std::to_string(version) +
                        ", this troupe has " + std::to_string(kPluginAbiVersion));
    }
  }
  // From here on the library stays loaded: its init may have registered factories.
  state.paths.push_back(key);
  try {
    reinterpret_cast<void (*)()>(init)();
  } catch (const std::exception& e) {
    throw PluginError("plugin '" + path + "': troupe_plugin_init failed: " + e.what());
  } catch (...) {
    throw PluginError("plugin '" + path + "': troupe_plugin_init failed");
  }
  return true;
}

std::vector<std::string> loaded_plugins() {
  auto& state = loaded();
  std::lock_guard<std::recursive_mutex> lock(state.mutex);
  return state.paths;
}

}  // namespace troupe::runtime
