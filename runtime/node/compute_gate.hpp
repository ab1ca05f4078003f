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
/// tasks of lower ones. A task of a --preempt job goes further: a task of
/// lower priority that is computing yields to it (should_yield) and waits
/// again, and none of lower priority starts while it is on its way (hold).
class TaskTurns {
 public:
  /// A waiting task; it gets the number of its turn, to end it with.
  using Work = std::function<void(std::uint64_t turn)>;

  /// Queues `work` at `priority`; `preempts`: a task of lower priority that
  /// computes should yield to it. True when no turn is under way: the caller
  /// should then call take() (once the messages already waiting are queued).
  bool add(double priority, Work work, bool preempts = false);
  /// The waiting task of the highest priority (the earliest among equals) and
  /// its turn, which starts now; nothing while a turn is under way, none
  /// waits, or a hold of higher priority is out.
  std::optional<std::pair<std::uint64_t, Work>> take();
  /// Ends `turn` (its task failed, finished computing or yielded). True when
  /// a task waits for the next turn. Ending a turn that is not the current
  /// one, or one that already ended, does nothing and answers false.
  bool end(std::uint64_t turn);

  /// Queues the task of the turn under way again, at `priority`, in its
  /// first place among equals (it yields; end its turn next).
  void requeue(double priority, Work work, bool preempts = false);

  /// A preempting task of `priority` is on its way (its node fetches its
  /// model): until it is released, no task of lower priority starts, and
  /// one that computes should yield. Answers the hold's number.
  std::uint64_t hold(double priority);
  /// Ends hold `id` (its task was queued or failed). True when a task can
  /// start now: the caller should then call take().
  bool release(std::uint64_t id);
  /// Whether the task of the current turn should stop and be queued again: a
  /// preempting task of higher priority waits or is held. False between turns.
  bool should_yield() const;
  /// Whether a preempting task of priority above `priority` waits or is held.
  bool preempted_above(double priority) const;

  bool busy() const { return busy_; }
  std::size_t waiting() const { return waiting_.size(); }
  std::size_t held() const { return holds_.size(); }

 private:
  struct Waiting {
    Work work;
    bool preempts = false;
  };
  bool startable() const;

  std::map<std::pair<double, std::uint64_t>, Waiting> waiting_;  ///< by (-priority, arrival)
  std::map<std::uint64_t, double> holds_;                        ///< priority by hold number
  std::uint64_t arrivals_ = 0;
  std::uint64_t turn_ = 0;
  std::uint64_t hold_numbers_ = 0;
  double current_ = 0.0;               ///< the priority of the turn under way
  std::uint64_t current_arrival_ = 0;  ///< and its arrival
  bool busy_ = false;
};

}  // namespace troupe::runtime
