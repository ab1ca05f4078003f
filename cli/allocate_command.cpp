// troupe allocate: one allocation, from task and node files (CSV or JSON, see
// runtime/simulation/workload_io.hpp) or from an OR-Library GAP file.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/gap_compare.hpp"
#include "cli/option_format.hpp"
#include "cli/options.hpp"
#include "cli/schedule_output.hpp"
#include "cli/stdout_report.hpp"
#include "runtime/allocation/gap_instance.hpp"
#include "runtime/core/input_error.hpp"
#include "runtime/simulation/workload_io.hpp"

namespace troupe::cli {
namespace {

namespace po = boost::program_options;
using runtime::AllocationRequest;

struct AllocateOptions {
  std::string tasks, nodes, gap, policy = "exact", sense = "max", placement;
  int problem = 0;
  double time_limit_s = 10.0;
  bool compare = false;
  OutputOptions output;
};

/// Runs `policy` on `request`, timing it.
runtime::ScheduleReport solve(const AllocationRequest& request, const std::string& policy) {
  const auto allocator = runtime::make_allocator(policy);
  const auto t0 = std::chrono::steady_clock::now();
  const auto allocation = allocator->allocate(request);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto report = runtime::report_allocation(request, allocation, policy);
  report.wall_s = wall;
  if (allocation.proved_infeasible) report.proved_optimal = false;
  return report;
}

std::string milliseconds(double seconds) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 1e3 * seconds;
  return s.str();
}

/// Every problem of a GAP file, one line each.
int summarise_gap_file(const std::vector<runtime::GapProblem>& problems, const AllocateOptions& o,
                       runtime::Sense sense, runtime::Placement placement) {
  std::cout << std::left << std::setw(8) << "problem" << std::setw(10) << "size" << std::setw(12)
            << "objective" << std::setw(12) << "bound" << std::setw(10) << "proved" << std::setw(10)
            << "placed"
            << "ms\n";
  int status = kExitOk;
  for (std::size_t p = 0; p < problems.size(); ++p) {
    auto request = runtime::to_request(problems[p], sense, placement);
    request.options.time_limit_s = o.time_limit_s;
    const auto r = solve(request, o.policy);
    std::cout << std::setw(8) << p + 1 << std::setw(10)
              << (std::to_string(problems[p].agents) + "x" + std::to_string(problems[p].jobs))
              << std::setw(12) << r.objective << std::setw(12)
              << (r.bound ? std::to_string(static_cast<long long>(std::llround(*r.bound))) : "-")
              << std::setw(10) << (r.proved_optimal ? "yes" : "no") << std::setw(10)
              << (std::to_string(r.done) + "/" + std::to_string(r.tasks.size()))
              << milliseconds(r.wall_s) << '\n';
    if (placement == runtime::Placement::every_task && r.unplaced > 0) status = kExitFailed;
  }
  return status;
}

}  // namespace

int allocate_command(int argc, char** argv) {
  const std::string cmd = "allocate";
  AllocateOptions o;
  po::options_description desc("troupe allocate options");
  desc.add_options()("tasks", po::value(&o.tasks), "tasks file (CSV or JSON)")(
      "nodes", po::value(&o.nodes), "nodes file (CSV or JSON)")(
      "gap", po::value(&o.gap), "OR-Library GAP file (instead of --tasks/--nodes)")(
      "problem", po::value(&o.problem)->default_value(0),
      "GAP problem number (1-based); 0 = summarise every problem")(
      "sense", po::value(&o.sense)->default_value(o.sense), "max (value) | min (cost)")(
      "placement", po::value(&o.placement),
      "every (each task exactly once) | optional (at most once); default: every for --gap, "
      "optional otherwise")("policy", po::value(&o.policy)->default_value(o.policy),
                            "allocation policy (see troupe --help)")(
      "time-limit", with_default(o.time_limit_s),
      "seconds for searching policies (exact, lagrangian)")(
      "compare", po::bool_switch(&o.compare),
      "with --gap: run every policy, print objective, best known bound, gap % to it and to the "
      "published optimum (optima.csv beside the file), time")(
      "out", po::value(&o.output.json_path),
      "write the JSON report to FILE (-: to stdout, the tables to stderr)")(
      "gantt", po::value(&o.output.gantt_path), "write an SVG Gantt chart to FILE")(
      "quiet,q", po::bool_switch(&o.output.quiet), "no tables");
  po::variables_map vm;
  if (auto code = parse_command_line(cmd, desc, argc, argv, vm)) return *code;
  reserve_stdout_if(o.output.json_path);

  const bool from_files = !o.tasks.empty() || !o.nodes.empty();
  if (from_files == !o.gap.empty())
    return usage_error(cmd, "give either --gap FILE or both --tasks FILE and --nodes FILE");
  if (from_files && (o.tasks.empty() || o.nodes.empty()))
    return usage_error(cmd, "--tasks and --nodes go together");
  if (o.sense != "max" && o.sense != "min") return usage_error(cmd, "--sense must be max or min");
  if (!o.placement.empty() && o.placement != "every" && o.placement != "optional")
    return usage_error(cmd, "--placement must be every or optional");
  if (o.time_limit_s <= 0) return usage_error(cmd, "--time-limit must be positive");
  if (o.problem < 0) return usage_error(cmd, "--problem must be 1 or more (0 = all)");
  if (o.compare && o.gap.empty()) return usage_error(cmd, "--compare needs --gap FILE");
  try {
    runtime::make_allocator(o.policy);
  } catch (const std::invalid_argument& e) {
    return usage_error(cmd, std::string("--policy: ") + e.what());
  }
  const auto sense = o.sense == "max" ? runtime::Sense::maximise : runtime::Sense::minimise;
  const bool every = o.placement.empty() ? !o.gap.empty() : o.placement == "every";
  const auto placement = every ? runtime::Placement::every_task : runtime::Placement::at_most_once;

  try {
    AllocationRequest request;
    if (!o.gap.empty()) {
      const auto problems = runtime::read_gap_file(o.gap);
      if (o.compare) {
        if (static_cast<std::size_t>(o.problem) > problems.size())
          return usage_error(cmd, "--problem " + std::to_string(o.problem) + ": " + o.gap +
                                      " has " + std::to_string(problems.size()) + " problem(s)");
        return compare_policies(problems, {o.gap, o.problem, sense, placement, o.time_limit_s});
      }
      if (o.problem == 0) return summarise_gap_file(problems, o, sense, placement);
      if (static_cast<std::size_t>(o.problem) > problems.size())
        return usage_error(cmd, "--problem " + std::to_string(o.problem) + ": " + o.gap + " has " +
                                    std::to_string(problems.size()) + " problem(s)");
      request =
          runtime::to_request(problems[static_cast<std::size_t>(o.problem - 1)], sense, placement);
    } else {
      for (auto& t : runtime::parse_tasks(runtime::read_text_file(o.tasks), o.tasks))
        request.tasks.push_back(std::move(t.task));
      request.nodes = runtime::parse_nodes(runtime::read_text_file(o.nodes), o.nodes);
      request.options.sense = sense;
      request.options.placement = placement;
    }
    request.options.time_limit_s = o.time_limit_s;
    auto report = solve(request, o.policy);
    report.source = o.gap.empty() ? o.tasks + " on " + o.nodes
                                  : o.gap + " problem " + std::to_string(o.problem);
    const int written = write_schedule(cmd, report, o.output);
    if (every && report.unplaced > 0) {
      std::cerr << "troupe allocate: policy " << o.policy << " placed "
                << report.tasks.size() - static_cast<std::size_t>(report.unplaced) << " of "
                << report.tasks.size() << " tasks; every task had to be placed"
                << (o.policy == "exact" ? " and no allocation does that within the capacities" : "")
                << '\n';
      return kExitFailed;
    }
    return written;
  } catch (const runtime::InputError& e) {
    std::cerr << "troupe allocate: " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace troupe::cli
