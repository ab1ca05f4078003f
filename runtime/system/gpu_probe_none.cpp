// GPU discovery for builds without the CUDA toolkit.
#include "runtime/system/resources.hpp"

namespace troupe::runtime {

std::vector<GpuInfo> probe_gpus(std::string* note) {
  if (note) *note = "troupe was built without CUDA";
  return {};
}

}  // namespace troupe::runtime
