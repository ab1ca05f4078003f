// lagrangian_bench: the lagrangian policy against the published GAP optima and
// against its own bound on generated hard instances, with the regret (Martello
// and Toth's MTHG with its improvement phase) and best-fit heuristics measured
// in the same run. Usage:
//   lagrangian_bench GAP_DIR [D_INSTANCES=5] [D_SECONDS=10] [--write DIR]
// GAP_DIR holds gap*.txt and optima.csv (tests/data/gap); --write also saves the
// generated type D instances as OR-Library files. See docs/allocation.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench/gap_benchmark.hpp"
#include "bench/gap_generator.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/allocation/gap_instance.hpp"
#include "runtime/gap/lagrangian_allocator.hpp"

namespace {

using namespace troupe;
using runtime::Allocation;
using runtime::AllocationRequest;

struct Run {
  Allocation allocation;
  double seconds = 0.0;
};

Run timed(const runtime::Allocator& allocator, const AllocationRequest& req) {
  const auto t0 = std::chrono::steady_clock::now();
  Run r{allocator.allocate(req), 0.0};
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

struct Summary {
  std::vector<double> gaps;
  double max_seconds = 0.0, total_seconds = 0.0;
  int incomplete = 0;
  void add(const Run& r, double gap) {
    max_seconds = std::max(max_seconds, r.seconds);
    total_seconds += r.seconds;
    if (r.allocation.complete())
      gaps.push_back(gap);
    else
      ++incomplete;
  }
  void print(const std::string& name) const {
    double mean = 0.0, worst = 0.0;
    for (double g : gaps) {
      mean += g / static_cast<double>(gaps.size());
      worst = std::max(worst, g);
    }
    const auto runs = gaps.size() + static_cast<std::size_t>(incomplete);
    std::printf("%-12s %10.3f %10.3f %10.4f %10.4f %6d of %zu\n", name.c_str(), 100.0 * mean,
                100.0 * worst, total_seconds / static_cast<double>(std::max<std::size_t>(1, runs)),
                max_seconds, incomplete, runs);
  }
};

const std::vector<std::string> kPolicies = {"lagrangian", "regret", "best-fit"};

void published_optima(const std::string& dir) {
  std::map<std::string, std::vector<runtime::GapProblem>> files;
  std::map<std::string, Summary> classic, chu_beasley;
  for (const auto& o : runtime::read_gap_optima(dir + "/optima.csv")) {
    if (!files.count(o.file)) files[o.file] = runtime::read_gap_file(dir + "/" + o.file);
    const auto req =
        runtime::to_request(files[o.file].at(static_cast<std::size_t>(o.index - 1)), o.sense);
    for (const auto& name : kPolicies) {
      const auto r = timed(*runtime::make_allocator(name), req);
      (bench::classic_gap_file(o.file) ? classic : chu_beasley)[name].add(
          r, bench::gap_to(o, r.allocation.objective));
    }
  }
  for (const auto* set : {&classic, &chu_beasley}) {
    std::printf("\n%s: gap to the published optimum (complete allocations), seconds per problem\n",
                set == &classic ? "gap1-12 (60 problems, max and min: 120 runs)"
                                : "gapa-c (18 problems, min)");
    std::printf("%-12s %10s %10s %10s %10s %12s\n", "policy", "mean gap%", "max gap%", "mean s",
                "max s", "incomplete");
    for (const auto& name : kPolicies) set->at(name).print(name);
  }
}

void generated_type_d(int instances, double seconds, const std::string& write_dir) {
  std::printf(
      "\ngenerated Chu-Beasley type D, 10 agents x 60 jobs (min), seeds 1..%d, "
      "lagrangian with a %.0f s limit and no stall stop\n",
      instances, seconds);
  std::printf("%-6s %10s %10s %10s %8s %10s %12s %12s\n", "seed", "lagrangian", "bound", "gap%",
              "seconds", "regret", "regret gap%", "best-fit gap%");
  const auto long_run = runtime::LagrangianOptions::until_time_limit();
  // Means over the complete allocations only (best-fit often leaves tasks out).
  Summary lagr_s, regret_s, fit_s;
  std::vector<runtime::GapProblem> written;
  for (int seed = 1; seed <= instances; ++seed) {
    const auto problem =
        bench::generate_gap(bench::GapType::d, 10, 60, static_cast<std::uint64_t>(seed));
    written.push_back(problem);
    auto req = runtime::to_request(problem, runtime::Sense::minimise);
    req.options.time_limit_s = seconds;
    const auto lagr = timed(runtime::LagrangianAllocator(long_run), req);
    const double bound = lagr.allocation.bound.value_or(NAN);
    const auto relative = [&](const Allocation& a) {
      return a.complete() ? (a.objective - bound) / bound : NAN;
    };
    const auto regret = runtime::make_allocator("regret")->allocate(req);
    const auto fit = runtime::make_allocator("best-fit")->allocate(req);
    const double g = relative(lagr.allocation), gr = relative(regret), gf = relative(fit);
    lagr_s.add(lagr, g);
    regret_s.add({regret, 0.0}, gr);
    fit_s.add({fit, 0.0}, gf);
    std::printf("%-6d %10.0f %10.0f %10.3f %8.2f %10.0f %12.3f %12s\n", seed,
                lagr.allocation.objective, bound, 100.0 * g, lagr.seconds, regret.objective,
                100.0 * gr, fit.complete() ? std::to_string(100.0 * gf).c_str() : "incomplete");
  }
  std::printf("\ngap to the lagrangian bound over the type D instances\n");
  std::printf("%-12s %10s %10s %10s %10s %12s\n", "policy", "mean gap%", "max gap%", "mean s",
              "max s", "incomplete");
  lagr_s.print("lagrangian");
  regret_s.print("regret");
  fit_s.print("best-fit");
  if (!write_dir.empty()) {
    std::ofstream out(write_dir + "/typeD_10x60.txt");
    bench::write_gap(out, written);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: lagrangian_bench GAP_DIR [D_INSTANCES=5] [D_SECONDS=10] "
                 "[--write DIR]\n");
    return 2;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string write_dir;
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--write") {
      write_dir = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      break;
    }
  try {
    const int instances = args.size() > 1 ? std::stoi(args[1]) : 5;
    const double seconds = args.size() > 2 ? std::stod(args[2]) : 10.0;
    published_optima(args[0]);
    generated_type_d(instances, seconds, write_dir);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lagrangian_bench: %s\n", e.what());
    return 1;
  }
}
