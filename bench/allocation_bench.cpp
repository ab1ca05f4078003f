// allocation_bench: the allocators and the simulator against published optima
// and time targets. Usage: allocation_bench GAP_DIR [EXACT_TIME_LIMIT_S]
// [--scale-only|--decision-only] (see README, Benchmarks; results in docs/allocation-results.md).
#include <cstdio>
#include <string>

#include "bench/gap_benchmark.hpp"
#include "bench/scale_benchmark.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: allocation_bench GAP_DIR [EXACT_TIME_LIMIT_S] [--scale-only|--decision-only]\n");
    return 2;
  }
  const double limit = argc > 2 ? std::stod(argv[2]) : 60.0;
  try {
    const std::string only = argc > 3 ? argv[3] : "";
    if (only == "--decision-only") {
      troupe::bench::run_decision_benchmark();
      return 0;
    }
    const bool scale_only = only == "--scale-only";
    const int unproved = scale_only ? 0 : troupe::bench::run_gap_benchmark(argv[1], limit);
    troupe::bench::run_decision_benchmark();
    troupe::bench::run_scale_benchmark();
    return unproved == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allocation_bench: %s\n", e.what());
    return 1;
  }
}
