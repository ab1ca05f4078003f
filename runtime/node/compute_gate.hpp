#pragma once
/// \file
/// Limits how many compute-heavy tasks run at once in one process. Embedded
/// nodes share the machine's cores: running more trainings than cores / threads
/// at once only adds contention.

#include <condition_variable>
#include <mutex>

namespace troupe::runtime {

class ComputeGate {
 public:
  /// At most `slots` (>= 1) holders at a time.
  explicit ComputeGate(int slots);

  /// Holds one slot for its lifetime.
  class Ticket {
   public:
    explicit Ticket(ComputeGate& gate);
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    ComputeGate& gate_;
  };

  int slots() const { return slots_; }
  /// The number of slots for `threads` threads per task on this machine.
  static int slots_for(int threads);

 private:
  const int slots_;
  int used_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace troupe::runtime
