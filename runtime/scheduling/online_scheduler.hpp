#pragma once
/// \file
/// The online scheduling core: events in, decisions out, the clock passed in.
/// The same object serves a scheduler actor (wall clock) and the discrete-event
/// simulator (virtual clock).
///
///   task_arrived ──> queued ──decide──> assigned ──task_started──> running
///                      ^                    │                         │
///                      └── failure, node lost, deadline missed ───────┤
///                                                                     v
///                                                           done | failed (dropped)

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// The order of the queue, which decides what the allocator is offered first.
enum class QueueOrder : std::uint8_t {
  priority,  ///< highest priority, then earliest deadline, then arrival
  deadline,  ///< earliest deadline first (EDF; tasks without one last), then priority, arrival
  fifo,      ///< first queued, first offered (priority and deadline ignored)
};

struct SchedulerOptions {
  QueueOrder order = QueueOrder::priority;
  /// The first queued tasks (in `order`) offered to the allocator per round
  /// of placement; tasks further back wait.
  std::size_t window = 16;
  /// Nodes offered to the allocator per round: the first ones with room for
  /// the window's smallest demand among at most 4 x this many nodes, scanning
  /// on from where the last round stopped (Kubernetes' percentageOfNodesToScore
  /// with a rotating start; all nodes when no run is in flight). Bounds the
  /// cost of a decision on large clusters; 0: every node with room.
  std::size_t candidate_nodes = 32;
  /// Failed runs a task may have; the one that reaches it drops the task.
  /// Runs lost with their node or cancelled at a deadline do not count.
  int max_attempts = 3;
  /// A node not heard from (join or heartbeat) for longer is treated as lost; 0: never.
  double heartbeat_timeout_s = 0.0;
  /// A running task past its deadline is cancelled and re-queued (once, its
  /// deadline then dropped), on the grounds that its node is straggling.
  bool reassign_on_deadline_miss = true;
};

/// What the scheduler asks its caller to do.
struct Decision {
  enum class Kind : std::uint8_t {
    assign,  ///< start `attempt` of `task` on `node`
    cancel,  ///< stop `attempt` of `task` on `node` (it will run elsewhere)
    drop,    ///< `task` failed for good (max_attempts reached)
  };
  Kind kind = Kind::assign;
  std::int64_t task = 0;
  std::string node;
  int attempt = 0;
};

enum class RunState : std::uint8_t { queued, assigned, running, done, failed };

/// The scheduler's record of one task.
struct TaskRecord {
  TaskDemand task;
  RunState state = RunState::queued;
  int node = -1;     ///< index into nodes(), while assigned or running, and once done
  int attempts = 0;  ///< runs started so far; events name the attempt they are about
  int failures = 0;  ///< runs that reported failure
  double queued_at = -1.0;
  double started_at = -1.0;
  double finished_at = -1.0;
  bool deadline_missed = false;
  /// Index into nodes() of the node its latest run failed on (-1: none): a
  /// re-queued task goes to another node when the policy is offered one.
  int failed_on = -1;
};

/// A node as the scheduler tracks it.
struct NodeSlot {
  NodeCapacity node;  ///< total capacity
  Resources free{};   ///< capacity not reserved by assigned or running tasks
  double last_seen = 0.0;
  bool alive = true;
  int running = 0;
};

class OnlineScheduler {
 public:
  /// `policy` places queued tasks on free capacity; it must outlive the scheduler.
  explicit OnlineScheduler(const Allocator& policy, SchedulerOptions options = {});

  // Events. Each returns false when it is stale or unknown and was ignored
  // (e.g. a completion from a run that was cancelled or from a lost node).
  bool node_joined(const NodeCapacity& node, double now);
  bool node_left(const std::string& id, double now);
  bool heartbeat(const std::string& id, double now);
  bool task_arrived(const TaskDemand& task, double now);
  bool task_started(std::int64_t id, int attempt, double now);
  bool task_completed(std::int64_t id, int attempt, double now);
  bool task_failed(std::int64_t id, int attempt, double now);

  /// Applies time-based rules at `now` (lost nodes, missed deadlines) and
  /// places what fits; returns the decisions since the last call, in order.
  std::vector<Decision> decide(double now);

  const std::vector<TaskRecord>& tasks() const { return tasks_; }
  const std::vector<NodeSlot>& nodes() const { return nodes_; }
  std::size_t queued() const { return queue_.size(); }
  /// Tasks neither done nor failed.
  std::size_t open_tasks() const { return open_; }

 private:
  /// Ordered by (first, second, seq): what they hold depends on the QueueOrder.
  struct QueueKey {
    double first;
    double second;
    std::uint64_t seq;
    std::size_t task;
    bool operator<(const QueueKey& o) const;
  };

  void enqueue(std::size_t t, double now);
  void release(std::size_t t);
  void requeue_or_drop(std::size_t t, double now);
  void lose_node(std::size_t n, double now);
  void check_deadlines(double now);
  void place();
  void mark_freed(std::size_t n);
  /// Keeps each task of the request off the node its latest run failed on,
  /// when another offered node has room for it (pair demands; none otherwise).
  void avoid_failed_nodes();
  void offer(std::size_t n, const Resources& smallest);
  /// The nodes offered to the allocator this round (see SchedulerOptions).
  void collect_candidates(const Resources& smallest);
  TaskRecord* run_of(std::int64_t id, int attempt);

  const Allocator& policy_;
  SchedulerOptions options_;
  std::vector<TaskRecord> tasks_;
  std::unordered_map<std::int64_t, std::size_t> task_index_;
  std::vector<NodeSlot> nodes_;
  std::unordered_map<std::string, std::size_t> node_index_;
  std::set<QueueKey> queue_;
  std::vector<std::set<QueueKey>::iterator> queue_pos_;
  std::set<std::pair<double, std::size_t>> deadlines_;  ///< running tasks by deadline
  std::vector<Decision> out_;
  std::uint64_t seq_ = 0;
  std::size_t open_ = 0;
  bool dirty_ = false;         ///< something changed that may let a queued task fit
  AllocationRequest request_;  ///< reused between placements
  std::vector<std::size_t> request_nodes_;
  std::vector<std::size_t> request_tasks_;
  std::size_t next_node_ = 0;  ///< where the next candidate scan starts
  // Incremental placement: while the window's tasks stay the same, they have
  // already been offered every candidate, so only nodes freed since are new.
  bool window_changed_ = true;
  std::optional<QueueKey> window_last_;  ///< last key of the current window
  std::vector<std::size_t> freed_nodes_;
  std::vector<char> freed_mark_;
  std::size_t in_flight_ = 0;  ///< runs assigned or running on live nodes
};

}  // namespace troupe::runtime
