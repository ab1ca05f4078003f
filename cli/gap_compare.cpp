#include "cli/gap_compare.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "cli/options.hpp"
#include "runtime/allocation/gap_optima.hpp"

namespace troupe::cli {
namespace {

struct Row {
  std::string policy;
  runtime::Allocation allocation;
  double seconds = 0.0;
};

/// Relative distance of `value` from `reference`, the worse side positive.
double relative_gap(runtime::Sense sense, double value, double reference) {
  const double diff = sense == runtime::Sense::maximise ? reference - value : value - reference;
  return 100.0 * diff / std::max(1.0, std::abs(reference));
}

std::string percent(std::optional<double> g) {
  if (!g) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *g);
  return buf;
}

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string directory(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

int compare_policies(const std::vector<runtime::GapProblem>& problems, const CompareOptions& o) {
  const auto optima = runtime::read_gap_optima(directory(o.gap_path) + "/optima.csv");
  const bool every = o.placement == runtime::Placement::every_task;
  std::printf("%-8s %-8s %-11s %12s %12s %8s %8s %10s\n", "problem", "size", "policy", "objective",
              "bound", "gap%", "opt-gap%", "ms");
  int status = kExitOk;
  for (std::size_t p = 0; p < problems.size(); ++p) {
    if (o.problem != 0 && static_cast<std::size_t>(o.problem) != p + 1) continue;
    auto request = runtime::to_request(problems[p], o.sense, o.placement);
    request.options.time_limit_s = o.time_limit_s;
    std::vector<Row> rows;
    std::optional<double> bound;
    bool someone_complete = false;
    for (const auto& name : runtime::allocator_names()) {
      const auto t0 = std::chrono::steady_clock::now();
      Row r{name, runtime::make_allocator(name)->allocate(request), 0.0};
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r.allocation.bound && !r.allocation.proved_infeasible)
        bound = !bound
                    ? *r.allocation.bound
                    : (o.sense == runtime::Sense::maximise ? std::min(*bound, *r.allocation.bound)
                                                           : std::max(*bound, *r.allocation.bound));
      someone_complete |= !every || r.allocation.complete();
      rows.push_back(std::move(r));
    }
    const auto optimum =
        find_gap_optimum(optima, file_name(o.gap_path), static_cast<int>(p + 1), o.sense);
    const auto size = std::to_string(problems[p].agents) + "x" + std::to_string(problems[p].jobs);
    for (const auto& r : rows) {
      const bool usable = !every || r.allocation.complete();
      std::optional<double> to_bound, to_optimum;
      if (usable && bound) to_bound = relative_gap(o.sense, r.allocation.objective, *bound);
      if (usable && optimum) to_optimum = relative_gap(o.sense, r.allocation.objective, *optimum);
      char objective[32];
      std::snprintf(objective, sizeof objective, usable ? "%.0f" : "%.0f*", r.allocation.objective);
      std::printf("%-8zu %-8s %-11s %12s %12s %8s %8s %10.1f\n", p + 1, size.c_str(),
                  r.policy.c_str(), objective,
                  bound ? std::to_string(std::llround(*bound)).c_str() : "-",
                  percent(to_bound).c_str(), percent(to_optimum).c_str(), 1e3 * r.seconds);
    }
    if (!someone_complete) status = kExitFailed;
  }
  std::printf(
      "* = not every task placed (no gap given). bound = tightest bound any policy "
      "proved; opt-gap = to the published optimum (optima.csv beside the file)\n");
  return status;
}

}  // namespace troupe::cli
