#pragma once
/// \file
/// One scheduling step over the runnable tasks of every job on a shared
/// cluster (--share-nodes): one allocation, with one policy, of every task
/// that waits for a node now, whichever job it belongs to.
///
/// The programme is the generalized assignment problem of the allocation
/// interface (runtime/allocation/allocator.hpp), in time:
///
///     maximise   sum_t w_t x_tk
///     subject to sum_t d_tk x_tk <= C_k   for every node k
///                sum_k x_tk <= 1           for every task t
///
/// - w_t is the priority of task t's job;
/// - d_tk is the task's work (examples) over node k's speed for the job's
///   model (examples per second): the seconds it keeps node k busy;
/// - C_k is node k's room in this step. All the work, held and new, spread
///   over the nodes by speed, would end after T seconds. A node that holds
///   less than T gets the rest up to kJointHeadroom x T, and at least room
///   for the smallest task it may take (so that with fewer tasks than nodes
///   each still finds one); a node that holds T or more gets none.
///   What a node holds is for the caller to say (runtime::plan_joint_step).
///
/// A task the policy leaves out (no room left in the step, or a heuristic
/// that gives up) goes to the node where it would finish first, counting what
/// the step placed: every runnable task gets a node, as in a round of one job.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Headroom of a node's room in a step over its share of the work (as a
/// round's capacity in SyncJob, kCapacityHeadroom).
inline constexpr double kJointHeadroom = 1.25;

/// The longest a searching policy (exact) may take over one step: the
/// scheduler waits for it. The same as the online core's decisions.
inline constexpr double kJointTimeLimitS = 0.1;

/// A runnable task in a joint step.
struct JointTask {
  std::int64_t id = 0;    ///< the caller's key (unique in the step)
  double weight = 1.0;    ///< its job's priority
  double examples = 0.0;  ///< its work
  /// Per node of the step (same order): the examples per second the node
  /// trains the task's job's model at (any unit the step shares); 0 or less:
  /// the task may not run there.
  std::vector<double> speed;
};

/// A node in a joint step.
struct JointNode {
  std::string id;
  /// Work it holds already that the step's tasks would wait behind, in
  /// seconds (examples over its speed, in the unit of JointTask::speed).
  double held_s = 0.0;
};

/// The step's answer.
struct JointStep {
  /// Per task: the index of its node, or -1 when no node may run it.
  std::vector<int> node_of;
  double objective = 0.0;      ///< summed weight of the tasks the policy placed
  std::size_t by_policy = 0;   ///< tasks the policy placed; the others went where they finish first
  std::vector<double> room_s;  ///< C_k per node, as the policy saw it
};

/// Allocates `tasks` over `nodes` with `policy` (see the file comment).
/// Throws std::invalid_argument when a task's speed list does not match the nodes.
JointStep place_jointly(const std::vector<JointTask>& tasks, const std::vector<JointNode>& nodes,
                        const Allocator& policy);

}  // namespace troupe::runtime
