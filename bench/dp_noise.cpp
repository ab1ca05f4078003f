// The noise multiplier a differentially private job needs for a target
// epsilon: bisection over the RDP accountant (runtime/privacy/rdp_accountant.hpp).
// Usage: dp_noise EPSILON SAMPLING_RATE STEPS [DELTA]; prints sigma.
// bench/dp_table.sh uses it to choose sigma per target epsilon.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "runtime/privacy/rdp_accountant.hpp"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: dp_noise EPSILON SAMPLING_RATE STEPS [DELTA]\n");
    return 2;
  }
  try {
    const double epsilon = std::stod(argv[1]);
    const double q = std::stod(argv[2]);
    const long long steps = std::stoll(argv[3]);
    const double delta = argc == 5 ? std::stod(argv[4]) : 1e-5;
    const double sigma = troupe::runtime::noise_multiplier_for(epsilon, q, steps, delta);
    std::printf("%.4f\n", sigma);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dp_noise: %s\n", e.what());
    return 2;
  }
  return 0;
}
