#include "runtime/system/traffic.hpp"

namespace troupe::runtime {

void TrafficMeter::record_transfer(std::uint64_t bytes, double seconds) {
  if (seconds > 0.0) rate_ = static_cast<double>(bytes) / seconds;
}

void TrafficMeter::watch(std::function<void()> wake) const {
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    wake_ = std::move(wake);
  }
  arm();
}

void TrafficMeter::changed() const {
  if (!armed_.exchange(false)) return;
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    wake = wake_;
  }
  if (wake) wake();
}

std::uint64_t wire_size(const models::Parameters& params) {
  // name length + name, dtype, shape length + dims, offset, nbytes (CAF's encoding sizes).
  std::uint64_t size = params.bytes.size() + 8;
  for (const auto& t : params.tensors) size += 8 + t.name.size() + 1 + 8 + 8 * t.shape.size() + 16;
  return size;
}

}  // namespace troupe::runtime
