#pragma once
// The scale part of allocation_bench: greedy allocation time for 10,000 tasks
// on 1,000 nodes and the simulator's event throughput.

namespace troupe::bench {

void run_scale_benchmark();
/// One decision's time: 1,000 queued tasks on 100 nodes, every policy.
void run_decision_benchmark();
/// One joint step of the scheduler on shared nodes: 1,000 runnable tasks of
/// 10 jobs on 100 nodes that hold work, every policy (run by the above).
void run_joint_step_benchmark();

}  // namespace troupe::bench
