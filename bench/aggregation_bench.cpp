// Aggregation against memory bandwidth: runtime::weighted_average over k
// updates of n floats against a STREAM-style triad loop, measured in the same
// run, so the figure is a ratio and not a time that depends on the machine.
// Usage: aggregation_bench [--floats 25000000] [--inputs 10] [--runs 5] [--repeat 3]
// Bytes counted: weighted average k reads + 1 write per element; triad
// (a = b + s * c) 2 reads + 1 write per element, as STREAM counts them (the
// write-allocate read of the destination is not counted on either side).
// Prints per run: triad GB/s (one thread), weighted average GB/s on one thread
// and on the default (two threads for large n), and the ratio of the default
// to the one-thread triad; then the median and min-max of the ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/aggregation/aggregation_math.hpp"

using namespace troupe;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::size_t floats = 25'000'000;  ///< 100 MB per update
  std::size_t inputs = 10;
  int runs = 5;
  int repeat = 3;  ///< timings per run; the best one counts
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--floats")
      o.floats = std::strtoull(value, nullptr, 10);
    else if (flag == "--inputs")
      o.inputs = std::strtoull(value, nullptr, 10);
    else if (flag == "--runs")
      o.runs = std::atoi(value);
    else if (flag == "--repeat")
      o.repeat = std::atoi(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  if (o.floats == 0 || o.inputs == 0 || o.runs < 1 || o.repeat < 1) {
    std::fprintf(stderr, "floats, inputs, runs and repeat must be positive\n");
    std::exit(2);
  }
  return o;
}

/// Best time in seconds of `repeat` calls of fn.
template <class Fn>
double best_seconds(int repeat, Fn&& fn) {
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

/// a = b + s * c over fixed-size blocks: the constant trip count and
/// __restrict let GCC vectorise it at -O2, as the aggregation kernel is.
void triad(float* __restrict a, const float* __restrict b, const float* __restrict c, float s,
           std::size_t n) {
  constexpr std::size_t kBlock = 4096;
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    for (std::size_t j = 0; j < kBlock; ++j) a[i + j] = b[i + j] + s * c[i + j];
  for (; i < n; ++i) a[i] = b[i] + s * c[i];
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const std::size_t n = o.floats;
  std::vector<models::Parameters> updates(o.inputs);
  std::vector<runtime::WeightedParameters> inputs;
  for (std::size_t k = 0; k < o.inputs; ++k) {
    updates[k].add("w", models::DType::float32, {static_cast<std::int64_t>(n)});
    float* x = updates[k].float_data();
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>((i + k) % 1000) * 1e-3F;
    inputs.push_back({&updates[k], 1.0 + static_cast<double>(k)});
  }
  models::Parameters out;
  runtime::weighted_average(inputs, out);  // sizes and touches `out` before timing
  std::vector<float> a(n, 0.0F), b(n, 1.0F), c(n, 2.0F);

  const double wa_bytes = static_cast<double>(o.inputs + 1) * 4.0 * static_cast<double>(n);
  const double triad_bytes = 3.0 * 4.0 * static_cast<double>(n);
  std::printf("aggregation_bench: %zu inputs x %zu floats (%.0f MB each), best of %d per run\n",
              o.inputs, n, 4.0 * static_cast<double>(n) / 1e6, o.repeat);
  std::printf("%-4s %12s %14s %14s %8s %8s\n", "run", "triad_GB/s", "wavg_1t_GB/s", "wavg_GB/s",
              "ratio_1t", "ratio");
  std::vector<double> ratios, ratios_1t;
  double checksum = 0.0;
  for (int run = 1; run <= o.runs; ++run) {
    const double t_triad =
        best_seconds(o.repeat, [&] { triad(a.data(), b.data(), c.data(), 0.5F, n); });
    checksum += a[n / 3];
    const double t_1t = best_seconds(o.repeat, [&] {
      runtime::weighted_average(inputs, out, runtime::KernelOptions::single_thread());
    });
    checksum += out.float_data()[n / 2];
    const double t_wa = best_seconds(o.repeat, [&] { runtime::weighted_average(inputs, out); });
    checksum += out.float_data()[n / 2];
    const double triad_bw = triad_bytes / t_triad / 1e9;
    const double wa_1t_bw = wa_bytes / t_1t / 1e9;
    const double wa_bw = wa_bytes / t_wa / 1e9;
    ratios.push_back(wa_bw / triad_bw);
    ratios_1t.push_back(wa_1t_bw / triad_bw);
    std::printf("%-4d %12.1f %14.1f %14.1f %8.2f %8.2f\n", run, triad_bw, wa_1t_bw, wa_bw,
                ratios_1t.back(), ratios.back());
  }
  std::printf("ratio (default threads / 1-thread triad): median %.2f, min %.2f, max %.2f\n",
              median(ratios), *std::min_element(ratios.begin(), ratios.end()),
              *std::max_element(ratios.begin(), ratios.end()));
  std::printf("ratio (1 thread / 1-thread triad):        median %.2f, min %.2f, max %.2f\n",
              median(ratios_1t), *std::min_element(ratios_1t.begin(), ratios_1t.end()),
              *std::max_element(ratios_1t.begin(), ratios_1t.end()));
  std::printf("(checksum %g)\n", checksum);
  return 0;
}
