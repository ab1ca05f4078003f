// GPUs through NVML (runtime/system/nvml.hpp): what a node has when it joins
// and what it uses with every heartbeat.
#include "runtime/system/nvml.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::runtime {

std::vector<GpuInfo> probe_gpus(std::string* note) {
  const auto& nvml = Nvml::system();
  auto gpus = nvml.devices();
  if (note) {
    if (!nvml.ok())
      *note = nvml.note();
    else if (gpus.empty())
      *note = "no GPU visible to NVML";
  }
  return gpus;
}

std::vector<GpuUsage> sample_gpus() {
  return Nvml::system().usage();
}

}  // namespace troupe::runtime
