#include "runtime/system/blas_probe.hpp"

#include <dlfcn.h>

namespace troupe::runtime {

BlasInfo probe_blas() {
  // OpenBLAS's own introspection: 0 sequential, 1 pthreads, 2 OpenMP.
  using GetParallel = int (*)();
  using GetConfig = const char* (*)();
  const auto parallel = reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  if (!parallel) return {"not OpenBLAS", true};
  const auto config = reinterpret_cast<GetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  const int mode = parallel();
  BlasInfo info;
  info.name = std::string("OpenBLAS ") + (config ? config() : "") + " (" +
              (mode == 0   ? "serial"
               : mode == 1 ? "pthreads"
                           : "OpenMP") +
              ")";
  info.thread_safe = mode != 0;
  return info;
}

}  // namespace troupe::runtime
