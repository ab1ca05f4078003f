#pragma once
/// \file
/// NVIDIA's management library (NVML), opened with dlopen at run time: the only
/// way troupe learns about GPUs. Linking the CUDA runtime instead would tie the
/// binary to a CUDA toolkit outside Debian (/usr/local/cuda); NVML comes with
/// the driver, so a machine with a GPU has it and a machine without one simply
/// reports none.

#include <string>
#include <vector>

#include "runtime/system/resources.hpp"

namespace troupe::runtime {

/// One opened NVML. Copying is disabled: the instance owns the dlopen handle.
class Nvml {
 public:
  /// The driver's library name, found through the dynamic loader's search path.
  static constexpr const char* kLibrary = "libnvidia-ml.so.1";

  /// Opens and initialises `library` (a name or a path). Never throws: when the
  /// library is missing or NVML fails to start, ok() is false and note() says why.
  explicit Nvml(const std::string& library = kLibrary);
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  /// The process-wide instance over kLibrary, opened on first use (thread-safe).
  static const Nvml& system();

  /// NVML is loaded and initialised.
  bool ok() const { return ok_; }
  /// Why no GPU can be listed (empty when ok()).
  const std::string& note() const { return note_; }

  /// Name, total and free memory of every visible GPU; empty when !ok().
  std::vector<GpuInfo> devices() const;
  /// Utilisation and memory in use of every visible GPU; empty when !ok().
  std::vector<GpuUsage> usage() const;

 private:
  struct Api;
  void* handle_ = nullptr;
  const Api* api_ = nullptr;
  bool ok_ = false;
  std::string note_;
};

}  // namespace troupe::runtime
