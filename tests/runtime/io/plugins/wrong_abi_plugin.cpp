// A test plugin built for another plugin ABI version; its init must not run.
#include <cstdlib>

extern "C" int troupe_plugin_abi_version() {
  return 999;
}
extern "C" void troupe_plugin_init() {
  std::abort();
}
