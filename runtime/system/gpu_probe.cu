// GPU discovery through the CUDA runtime (compiled by nvcc when CMake finds it).
#include <cuda_runtime_api.h>

#include "runtime/system/resources.hpp"

namespace troupe::runtime {

std::vector<GpuInfo> probe_gpus(std::string* note) {
  std::vector<GpuInfo> out;
  int count = 0;
  // Without a GPU or driver this returns an error (e.g. 35, insufficient
  // driver): that means "no GPU", not a failure.
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (note) *note = std::string("CUDA runtime: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error state
    return out;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    GpuInfo g;
    g.name = prop.name;
    g.memory_total = prop.totalGlobalMem;
    size_t free_bytes = 0, total_bytes = 0;
    if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess)
      g.memory_free = free_bytes;
    out.push_back(g);
  }
  if (out.empty() && note) *note = "no CUDA device visible";
  return out;
}

}  // namespace troupe::runtime
