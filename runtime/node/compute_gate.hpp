#pragma once
/// \file
/// Access to compute. ComputeGate limits how many compute-heavy tasks run at
/// once in one process: embedded nodes share the machine's cores, and running
/// more trainings than cores / threads at once only adds contention.
/// TaskTurns orders the tasks of one node.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

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
  /// How many wait for a slot now.
  int waiting();
  /// The number of slots for `threads` threads per task on this machine.
  static int slots_for(int threads);

 private:
  const int slots_;
  int used_ = 0;
  int waiting_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

/// The order in which a node runs its tasks: one at a time (a turn of its
/// compute), the waiting task of the highest priority first, in arrival
/// order among equals. A node serving several jobs (`troupe scheduler
/// --share-nodes`) thus runs a job of higher --priority before the waiting
/// tasks of lower ones; a task already computing is not interrupted.
class TaskTurns {
 public:
  /// A waiting task; it gets the number of its turn, to end it with.
  using Work = std::function<void(std::uint64_t turn)>;

  /// Queues `work` at `priority`. True when no turn is under way: the caller
  /// should then call take() (once the messages already waiting are queued).
  bool add(double priority, Work work);
  /// The waiting task of the highest priority (the earliest among equals) and
  /// its turn, which starts now; nothing while a turn is under way or none waits.
  std::optional<std::pair<std::uint64_t, Work>> take();
  /// Ends `turn` (its task failed or finished computing). True when a task
  /// waits for the next turn. Ending a turn that is not the current one, or
  /// one that already ended, does nothing and answers false.
  bool end(std::uint64_t turn);

  bool busy() const { return busy_; }
  std::size_t waiting() const { return waiting_.size(); }

 private:
  std::map<std::pair<double, std::uint64_t>, Work> waiting_;  ///< by (-priority, arrival)
  std::uint64_t arrivals_ = 0;
  std::uint64_t turn_ = 0;
  bool busy_ = false;
};

}  // namespace troupe::runtime
