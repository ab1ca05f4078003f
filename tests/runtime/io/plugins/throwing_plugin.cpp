// A test plugin whose entry point fails.
#include <stdexcept>

#include "runtime/io/plugin.hpp"

TROUPE_PLUGIN_INIT() {
  throw std::runtime_error("the test plugin refuses to start");
}
