// A stand-in for the NVIDIA driver's libnvidia-ml.so.1 with two GPUs, so that
// nvml_test checks what troupe reads through NVML on machines without a GPU.
// Only the functions runtime/system/nvml.cpp looks up; a NVML missing one of
// them is built with -DFAKE_NVML_WITHOUT_NAME (fake_nvml_incomplete).
#include <cstring>

extern "C" {

struct nvmlDevice_st {
  const char* name;
  unsigned long long total;
  unsigned long long free;
  unsigned int utilisation;
};
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

static nvmlDevice_st devices[] = {{"Fake H100", 80ULL << 30, 60ULL << 30, 25},
                                  {"Fake L4", 24ULL << 30, 24ULL << 30, 0}};
static int initialised = 0;

int nvmlInit_v2() {
  initialised = 1;
  return 0;
}
int nvmlShutdown() {
  initialised = 0;
  return 0;
}
int nvmlDeviceGetCount_v2(unsigned int* count) {
  if (!initialised) return 1;  // NVML_ERROR_UNINITIALIZED
  *count = 2;
  return 0;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_st** dev) {
  if (i >= 2) return 2;  // NVML_ERROR_INVALID_ARGUMENT
  *dev = &devices[i];
  return 0;
}
#ifndef FAKE_NVML_WITHOUT_NAME
int nvmlDeviceGetName(nvmlDevice_st* dev, char* name, unsigned int length) {
  std::strncpy(name, dev->name, length - 1);
  return 0;
}
#endif
int nvmlDeviceGetUtilizationRates(nvmlDevice_st* dev, nvmlUtilization_t* util) {
  util->gpu = dev->utilisation;
  util->memory = 0;
  return 0;
}
int nvmlDeviceGetMemoryInfo(nvmlDevice_st* dev, nvmlMemory_t* mem) {
  mem->total = dev->total;
  mem->free = dev->free;
  mem->used = dev->total - dev->free;
  return 0;
}
}
