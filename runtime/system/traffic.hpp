#pragma once
/// \file
/// Bytes a process moves at the application level: model parameters received
/// (fetches) and sent (updates), and the rate of the latest fetch. Per-process
/// socket counters do not exist on Linux, so the node counts what it ships.
/// Thread-safe: the node actor adds, the heartbeat agent reads.

#include <atomic>
#include <cstdint>

#include "models/parameters.hpp"

namespace troupe::runtime {

class TrafficMeter {
 public:
  void add_sent(std::uint64_t bytes) { sent_ += bytes; }
  void add_received(std::uint64_t bytes) { received_ += bytes; }
  /// Records a transfer of `bytes` that took `seconds` (ignored when not positive).
  void record_transfer(std::uint64_t bytes, double seconds);

  std::uint64_t sent() const { return sent_; }
  std::uint64_t received() const { return received_; }
  /// Bytes per second of the latest recorded transfer; 0 before the first.
  double transfer_rate() const { return rate_; }

 private:
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<double> rate_{0.0};
};

/// Bytes `params` take on the wire: the buffer plus each tensor's layout.
std::uint64_t wire_size(const models::Parameters& params);

}  // namespace troupe::runtime
