#pragma once
/// \file
/// Which BLAS LibTorch calls in this process, as the library says itself.
/// Debian's serial OpenBLAS (libopenblas0-serial, picked by update-alternatives
/// or the library path) is not safe to call from several threads at once: two
/// embedded nodes training together then corrupt each other's results without
/// any error. Callers that run compute on several threads ask here first.

#include <string>

namespace troupe::runtime {

struct BlasInfo {
  std::string name;         ///< e.g. "OpenBLAS 0.3.21 ... (serial)", or "not OpenBLAS"
  bool thread_safe = true;  ///< false: call it from one thread at a time
};

/// Asks the BLAS already loaded into the process (openblas_get_parallel and
/// openblas_get_config when it is OpenBLAS). A BLAS that is not OpenBLAS (the
/// reference BLAS) keeps no shared state and counts as thread-safe.
BlasInfo probe_blas();

}  // namespace troupe::runtime
