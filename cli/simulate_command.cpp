// troupe simulate: the online scheduler on a virtual clock, over a workload
// file (JSON, see runtime/simulation/workload_io.hpp) or a synthetic workload.
#include <chrono>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/option_format.hpp"
#include "cli/options.hpp"
#include "cli/schedule_output.hpp"
#include "cli/stdout_report.hpp"
#include "runtime/core/input_error.hpp"
#include "runtime/simulation/synthetic_workload.hpp"
#include "runtime/simulation/workload_io.hpp"

namespace troupe::cli {
namespace {

namespace po = boost::program_options;

/// "TASKSxNODES" into its two positive numbers.
bool parse_size(const std::string& text, int& tasks, int& nodes) {
  const auto x = text.find('x');
  if (x == std::string::npos) return false;
  try {
    std::size_t used_t = 0, used_n = 0;
    tasks = std::stoi(text.substr(0, x), &used_t);
    nodes = std::stoi(text.substr(x + 1), &used_n);
    return used_t == x && used_n == text.size() - x - 1 && tasks > 0 && nodes > 0 &&
           tasks <= 1'000'000 && nodes <= 100'000;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int simulate_command(int argc, char** argv) {
  const std::string cmd = "simulate";
  std::string workload_path, synthetic, policy = "priority";
  runtime::SimulationOptions sim;
  runtime::SyntheticOptions synth;
  std::string order = "priority";
  OutputOptions output;
  po::options_description desc("troupe simulate options");
  desc.add_options()("workload", po::value(&workload_path), "workload file (JSON)")(
      "synthetic", po::value(&synthetic), "synthetic workload TASKSxNODES, e.g. 10000x1000")(
      "seed", po::value(&sim.seed)->default_value(sim.seed),
      "random seed (synthetic workload, failures)")("load", with_default(synth.load),
                                                    "synthetic offered load")(
      "node-failures", po::value(&synth.node_failures)->default_value(0),
      "synthetic: nodes that leave and come back")(
      "policy", po::value(&policy)->default_value(policy), "allocation policy")(
      "order", po::value(&order)->default_value(order),
      "queue order: priority (then deadline), deadline (earliest first), fifo")(
      "failure-rate", with_default(sim.failure_probability), "probability that a run fails")(
      "window", po::value(&sim.scheduler.window)->default_value(sim.scheduler.window),
      "queued tasks offered to the policy per decision")(
      "candidates",
      po::value(&sim.scheduler.candidate_nodes)->default_value(sim.scheduler.candidate_nodes),
      "nodes offered to the policy per decision (0 = all with room)")(
      "max-attempts",
      po::value(&sim.scheduler.max_attempts)->default_value(sim.scheduler.max_attempts),
      "failed runs that drop a task")(
      "out", po::value(&output.json_path),
      "write the JSON report to FILE (-: to stdout, the tables to stderr)")(
      "gantt", po::value(&output.gantt_path), "write an SVG Gantt chart to FILE")(
      "quiet,q", po::bool_switch(&output.quiet), "no tables");
  po::variables_map vm;
  if (auto code = parse_command_line(cmd, desc, argc, argv, vm)) return *code;
  reserve_stdout_if(output.json_path);
  if (workload_path.empty() == synthetic.empty())
    return usage_error(cmd, "give either --workload FILE or --synthetic TASKSxNODES");
  synth.seed = sim.seed;
  if (!synthetic.empty() && !parse_size(synthetic, synth.tasks, synth.nodes))
    return usage_error(cmd, "--synthetic must look like 10000x1000, got '" + synthetic + "'");
  if (sim.failure_probability < 0 || sim.failure_probability >= 1)
    return usage_error(cmd, "--failure-rate must be in [0, 1)");
  if (synth.load <= 0) return usage_error(cmd, "--load must be positive");
  if (sim.scheduler.max_attempts < 1) return usage_error(cmd, "--max-attempts must be 1 or more");
  if (order == "priority")
    sim.scheduler.order = runtime::QueueOrder::priority;
  else if (order == "deadline")
    sim.scheduler.order = runtime::QueueOrder::deadline;
  else if (order == "fifo")
    sim.scheduler.order = runtime::QueueOrder::fifo;
  else
    return usage_error(cmd, "--order must be priority, deadline or fifo, got '" + order + "'");
  std::unique_ptr<runtime::Allocator> allocator;
  try {
    allocator = runtime::make_allocator(policy);
  } catch (const std::invalid_argument& e) {
    return usage_error(cmd, std::string("--policy: ") + e.what());
  }
  try {
    const auto workload =
        workload_path.empty()
            ? runtime::synthetic_workload(synth)
            : runtime::parse_workload(runtime::read_text_file(workload_path), workload_path);
    const auto t0 = std::chrono::steady_clock::now();
    const auto result = runtime::simulate(workload, *allocator, sim);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto report = runtime::report_simulation(workload, result, policy);
    report.wall_s = wall;
    report.source = workload_path.empty() ? "synthetic " + synthetic : workload_path;
    return write_schedule(cmd, report, output);
  } catch (const runtime::InputError& e) {
    std::cerr << "troupe simulate: " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace troupe::cli
