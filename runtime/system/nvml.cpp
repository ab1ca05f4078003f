#include "runtime/system/nvml.hpp"

#include <dlfcn.h>

#include <memory>

namespace troupe::runtime {
namespace {

// The few NVML declarations used (nvml.h, a stable C ABI); declared here so
// that building troupe needs no NVIDIA header either.
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
constexpr unsigned int kNameBuffer = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE

template <typename F>
F symbol(void* lib, const char* name) {
  return reinterpret_cast<F>(dlsym(lib, name));
}

}  // namespace

struct Nvml::Api {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*get_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*get_handle)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*get_name)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*get_utilisation)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*get_memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;

  explicit Api(void* lib)
      : init(symbol<decltype(init)>(lib, "nvmlInit_v2")),
        shutdown(symbol<decltype(shutdown)>(lib, "nvmlShutdown")),
        get_count(symbol<decltype(get_count)>(lib, "nvmlDeviceGetCount_v2")),
        get_handle(symbol<decltype(get_handle)>(lib, "nvmlDeviceGetHandleByIndex_v2")),
        get_name(symbol<decltype(get_name)>(lib, "nvmlDeviceGetName")),
        get_utilisation(symbol<decltype(get_utilisation)>(lib, "nvmlDeviceGetUtilizationRates")),
        get_memory(symbol<decltype(get_memory)>(lib, "nvmlDeviceGetMemoryInfo")) {}

  bool complete() const {
    return init && shutdown && get_count && get_handle && get_name && get_utilisation && get_memory;
  }

  /// Handles of the visible devices (none when counting fails).
  std::vector<nvmlDevice_t> handles() const {
    std::vector<nvmlDevice_t> out;
    unsigned int count = 0;
    if (get_count(&count) != kNvmlSuccess) return out;
    for (unsigned int i = 0; i < count; ++i) {
      nvmlDevice_t dev = nullptr;
      if (get_handle(i, &dev) == kNvmlSuccess) out.push_back(dev);
    }
    return out;
  }
};

Nvml::Nvml(const std::string& library) {
  handle_ = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    note_ = "NVML (" + library + ") not found: no NVIDIA driver";
    return;
  }
  auto api = std::make_unique<Api>(handle_);
  if (!api->complete()) {
    note_ = "NVML (" + library + ") lacks a function troupe needs";
    return;
  }
  if (const auto rc = api->init(); rc != kNvmlSuccess) {
    note_ = "NVML (" + library + ") failed to initialise (error " + std::to_string(rc) + ")";
    return;
  }
  api_ = api.release();
  ok_ = true;
}

Nvml::~Nvml() {
  if (ok_) api_->shutdown();
  delete api_;
  if (handle_) dlclose(handle_);
}

const Nvml& Nvml::system() {
  static const Nvml instance;  // initialised once, thread-safe
  return instance;
}

std::vector<GpuInfo> Nvml::devices() const {
  std::vector<GpuInfo> out;
  if (!ok_) return out;
  for (auto dev : api_->handles()) {
    GpuInfo g;
    char name[kNameBuffer] = {};
    if (api_->get_name(dev, name, kNameBuffer) == kNvmlSuccess) g.name = name;
    nvmlMemory_t mem{};
    if (api_->get_memory(dev, &mem) == kNvmlSuccess) {
      g.memory_total = mem.total;
      g.memory_free = mem.free;
    }
    out.push_back(g);
  }
  return out;
}

std::vector<GpuUsage> Nvml::usage() const {
  std::vector<GpuUsage> out;
  if (!ok_) return out;
  for (auto dev : api_->handles()) {
    GpuUsage g;
    nvmlUtilization_t util{};
    if (api_->get_utilisation(dev, &util) == kNvmlSuccess) g.utilisation = util.gpu / 100.0;
    nvmlMemory_t mem{};
    if (api_->get_memory(dev, &mem) == kNvmlSuccess) {
      g.memory_used = mem.used;
      g.memory_total = mem.total;
    }
    out.push_back(g);
  }
  return out;
}

}  // namespace troupe::runtime
