#pragma once
/// \file
/// Bytes a process moves at the application level: model parameters received
/// (fetches) and sent (updates), and the rate of the latest fetch. Per-process
/// socket counters do not exist on Linux, so the node counts what it ships.
/// Thread-safe: the node actor adds, the heartbeat agent reads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "models/parameters.hpp"

namespace troupe::runtime {

class TrafficMeter {
 public:
  void add_sent(std::uint64_t bytes) {
    sent_ += bytes;
    changed();
  }
  void add_received(std::uint64_t bytes) {
    received_ += bytes;
    changed();
  }
  /// Records a transfer of `bytes` that took `seconds` (ignored when not positive).
  void record_transfer(std::uint64_t bytes, double seconds);

  std::uint64_t sent() const { return sent_; }
  std::uint64_t received() const { return received_; }
  /// Bytes per second of the latest recorded transfer; 0 before the first.
  double transfer_rate() const { return rate_; }

  /// A reader that reports changes is woken instead of polling: `wake` is
  /// called once, on the thread that adds, at the first change after this
  /// call (a change before the call wakes no one). arm() asks for the next
  /// change; arm before reading the counters, so that a change between the
  /// read and the next arm() is not missed. One watcher at a time; `wake` must
  /// be cheap and must not call back into the meter.
  void watch(std::function<void()> wake) const;
  /// The watcher set by watch() is woken again at the next change.
  void arm() const { armed_ = true; }

 private:
  void changed() const;

  mutable std::mutex watch_mutex_;
  mutable std::function<void()> wake_;
  mutable std::atomic<bool> armed_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<double> rate_{0.0};
};

/// Bytes `params` take on the wire: the buffer plus each tensor's layout.
std::uint64_t wire_size(const models::Parameters& params);

}  // namespace troupe::runtime
