#pragma once
// The scale part of allocation_bench: greedy allocation time for 10,000 tasks
// on 1,000 nodes and the simulator's event throughput.

namespace troupe::bench {

void run_scale_benchmark();

}  // namespace troupe::bench
