// Live GPU use through NVML, loaded with dlopen so that troupe neither links
// nor needs the NVIDIA driver library; falls back to the CUDA runtime (memory
// only, via probe_gpus) when NVML is absent.
#include <dlfcn.h>

#include <mutex>

#include "runtime/system/resources.hpp"

namespace troupe::runtime {
namespace {

// The few NVML declarations used (nvml.h, stable C ABI).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
constexpr nvmlReturn_t kNvmlSuccess = 0;

struct Nvml {
  bool ok = false;
  nvmlReturn_t (*get_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*get_handle)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*get_utilisation)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*get_memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;

  Nvml() {
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;  // no driver: no NVML (the library stays loaded otherwise)
    auto init = reinterpret_cast<nvmlReturn_t (*)()>(dlsym(lib, "nvmlInit_v2"));
    get_count = reinterpret_cast<decltype(get_count)>(dlsym(lib, "nvmlDeviceGetCount_v2"));
    get_handle =
        reinterpret_cast<decltype(get_handle)>(dlsym(lib, "nvmlDeviceGetHandleByIndex_v2"));
    get_utilisation =
        reinterpret_cast<decltype(get_utilisation)>(dlsym(lib, "nvmlDeviceGetUtilizationRates"));
    get_memory = reinterpret_cast<decltype(get_memory)>(dlsym(lib, "nvmlDeviceGetMemoryInfo"));
    ok = init && get_count && get_handle && get_utilisation && get_memory && init() == kNvmlSuccess;
  }
};

const Nvml& nvml() {
  static const Nvml instance;  // initialised once, thread-safe
  return instance;
}

}  // namespace

std::vector<GpuUsage> sample_gpus(bool cuda_fallback) {
  std::vector<GpuUsage> out;
  const auto& lib = nvml();
  if (lib.ok) {
    unsigned int count = 0;
    if (lib.get_count(&count) != kNvmlSuccess) return out;
    for (unsigned int i = 0; i < count; ++i) {
      nvmlDevice_t dev = nullptr;
      if (lib.get_handle(i, &dev) != kNvmlSuccess) continue;
      GpuUsage g;
      nvmlUtilization_t util{};
      if (lib.get_utilisation(dev, &util) == kNvmlSuccess) g.utilisation = util.gpu / 100.0;
      nvmlMemory_t mem{};
      if (lib.get_memory(dev, &mem) == kNvmlSuccess) {
        g.memory_used = mem.used;
        g.memory_total = mem.total;
      }
      out.push_back(g);
    }
    return out;
  }
  if (!cuda_fallback) return out;
  static std::mutex cuda_mutex;  // the CUDA probe switches the current device
  std::lock_guard<std::mutex> lock(cuda_mutex);
  for (const auto& info : probe_gpus(nullptr)) {
    GpuUsage g;
    g.memory_total = info.memory_total;
    g.memory_used = info.memory_total - std::min(info.memory_total, info.memory_free);
    out.push_back(g);
  }
  return out;
}

}  // namespace troupe::runtime
