#pragma once
/// \file
/// Reproducible synthetic workloads for the simulator and the benchmarks.

#include <cstdint>

#include "runtime/simulation/simulator.hpp"

namespace troupe::runtime {

struct SyntheticOptions {
  int tasks = 10'000;
  int nodes = 1'000;
  std::uint64_t seed = 1;
  /// Offered load: total work / (total speed x arrival span); near 1 keeps queues busy.
  double load = 0.9;
  /// Fraction of tasks with a deadline (arrival + 3 x their run time at speed 1).
  double deadline_fraction = 0.2;
  /// Nodes that leave at a random time and come back 10 % of the span later.
  int node_failures = 0;
};

/// Tasks: priority 1..10, work log-uniform in [1, 100] s, CPU 1..8 cores,
/// memory 1..32 GiB, GPU memory 0 or 1..16 GiB (one in four), Poisson arrivals.
/// Nodes: 16 or 32 cores, 64 or 128 GiB, a quarter with a 24 GiB GPU, speed 0.5..2.
Workload synthetic_workload(const SyntheticOptions& options);

}  // namespace troupe::runtime
