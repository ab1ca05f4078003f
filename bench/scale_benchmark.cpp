#include "bench/scale_benchmark.hpp"

void troupe::bench::run_scale_benchmark() {}
