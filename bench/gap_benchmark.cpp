#include "bench/gap_benchmark.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "runtime/allocation/allocator.hpp"
#include "runtime/allocation/gap_instance.hpp"

namespace troupe::bench {
namespace {

using runtime::Sense;

struct HeuristicStats {
  std::vector<double> gaps;  // complete allocations only
  int incomplete = 0;
};

}  // namespace

double gap_to(const Optimum& o, double value) {
  const double diff = o.sense == Sense::maximise ? o.value - value : value - o.value;
  return diff / std::abs(o.value);
}

bool classic_gap_file(const std::string& file) {
  return file.rfind("gap", 0) == 0 && file.size() <= 9 &&
         std::isdigit(static_cast<unsigned char>(file[3]));
}

int run_gap_benchmark(const std::string& dir, double time_limit_s) {
  const auto optima = runtime::read_gap_optima(dir + "/optima.csv");
  if (optima.empty()) {
    std::fprintf(stderr, "no optima found in %s/optima.csv\n", dir.c_str());
    return 1;
  }
  std::map<std::string, std::vector<runtime::GapProblem>> files;
  std::map<std::string, HeuristicStats> stats_12, stats_abc;
  int unproved_12 = 0;
  double max_seconds_12 = 0.0;
  std::printf("%-10s %-8s %-4s %8s %10s %10s %8s %6s %8s\n", "file", "problem", "sense", "optimum",
              "exact", "bound", "seconds", "proved", "gap%");
  for (const auto& o : optima) {
    if (!files.count(o.file)) files[o.file] = runtime::read_gap_file(dir + "/" + o.file);
    const auto& problem = files[o.file].at(static_cast<std::size_t>(o.index - 1));
    auto req = runtime::to_request(problem, o.sense);
    req.options.time_limit_s = time_limit_s;
    const bool classic = classic_gap_file(o.file);
    const auto t0 = std::chrono::steady_clock::now();
    const auto exact = runtime::make_allocator("exact")->allocate(req);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool matches = exact.proved_optimal && std::abs(exact.objective - o.value) < 1e-6;
    if (classic) {
      unproved_12 += matches ? 0 : 1;
      max_seconds_12 = std::max(max_seconds_12, secs);
    }
    std::printf("%-10s %-8s %-4s %8.0f %10.0f %10.1f %8.3f %6s %8.3f\n", o.file.c_str(),
                o.name.c_str(), o.sense == Sense::maximise ? "max" : "min", o.value,
                exact.objective, exact.bound.value_or(NAN), secs,
                matches ? "yes" : (exact.proved_optimal ? "WRONG" : "no"), 100.0 * exact.gap());
    for (const auto& name : runtime::allocator_names()) {
      if (name == "exact") continue;
      const auto h = runtime::make_allocator(name)->allocate(req);
      auto& s = (classic ? stats_12 : stats_abc)[name];
      if (h.complete())
        s.gaps.push_back(gap_to(o, h.objective));
      else
        ++s.incomplete;
    }
  }
  std::printf("\nexact: gap1-12 problems not proved at the published optimum: %d; slowest %.3f s\n",
              unproved_12, max_seconds_12);
  for (const auto* set : {&stats_12, &stats_abc}) {
    std::printf("\nheuristics on %s (gap to optimum over complete allocations)\n",
                set == &stats_12 ? "gap1-12 (max and min)" : "gapa-c (min)");
    std::printf("%-10s %10s %10s %12s\n", "policy", "mean gap%", "max gap%", "incomplete");
    for (const auto& [name, s] : *set) {
      double mean = 0.0, worst = 0.0;
      for (double g : s.gaps) {
        mean += g / static_cast<double>(s.gaps.size());
        worst = std::max(worst, g);
      }
      std::printf("%-10s %10.2f %10.2f %7d of %zu\n", name.c_str(), 100.0 * mean, 100.0 * worst,
                  s.incomplete, s.gaps.size() + static_cast<std::size_t>(s.incomplete));
    }
  }
  return unproved_12;
}

}  // namespace troupe::bench
