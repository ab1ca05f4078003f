// troupe: the command-line entry point. Parses options and wires them to the
// embedded cluster (run) or the centralised baseline (train).
#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "actors/cluster.hpp"
#include "cli/commands.hpp"
#include "cli/job_options.hpp"
#include "models/idx_reader.hpp"
#include "models/trainer.hpp"
#include "runtime/centralized.hpp"
#include "runtime/memory_tuning.hpp"
#include "runtime/report.hpp"

namespace po = boost::program_options;
using troupe::runtime::JobSpec;
using troupe::runtime::RoundRecord;
using troupe::runtime::RunReport;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

const char* kUsage =
    "usage: troupe <command> [options]\n"
    "\n"
    "commands:\n"
    "  run     train collaboratively on an embedded cluster (scheduler, aggregator, nodes in one "
    "process)\n"
    "  train   centralised baseline: the same model and budget in one process\n"
    "  allocate  allocate tasks to nodes once (task/node files or an OR-Library GAP file)\n"
    "  simulate  run the online scheduler on a simulated cluster (virtual clock)\n"
    "\n"
    "allocation policies: priority, best-fit, spread, pack, balanced, regret, exact\n"
    "\n"
    "`troupe <command> --help` lists a command's options.\n";

/// Options common to run and train, parsed from the command line and --config.
struct Parsed {
  JobSpec job;
  std::string out;
  bool quiet = false;
};

/// Parses; returns an exit code when the command should stop (help or error).
std::optional<int> parse(const std::string& command, int argc, char** argv, Parsed& p) {
  po::options_description desc("troupe " + command + " options");
  std::string config;
  desc.add_options()("help,h", "show this help")(
      "config", po::value(&config), "read options from an INI file (command line wins)")(
      "out", po::value(&p.out), "write the JSON report to FILE")(
      "quiet,q", po::bool_switch(&p.quiet), "no per-round progress lines");
  troupe::cli::add_job_options(desc, p.job);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << '\n';
      return kExitOk;
    }
    if (vm.count("config")) {
      const auto path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) {
        std::cerr << "troupe " << command << ": cannot read config file '" << path << "'\n";
        return kExitUsage;
      }
      po::store(po::parse_config_file(in, desc), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "troupe " << command << ": " << e.what() << "\n\n" << desc << '\n';
    return kExitUsage;
  }
  if (auto why = p.job.validate(); !why.empty()) {
    std::cerr << "troupe " << command << ": " << why << "\n(see troupe " << command << " --help)\n";
    return kExitUsage;
  }
  if (auto why = troupe::models::check_device(p.job.device); !why.empty()) {
    std::cerr << "troupe " << command << ": " << why << '\n';
    return kExitUsage;
  }
  return std::nullopt;
}

void print_progress(const RoundRecord& r, int rounds) {
  std::cout << "round " << std::setw(3) << r.round << '/' << rounds << std::fixed
            << std::setprecision(4) << "  accuracy " << r.accuracy << "  f1 " << r.f1
            << "  test loss " << r.loss << "  updates " << r.updates << std::setprecision(2) << "  "
            << r.seconds << " s" << std::endl;
}

int finish(const Parsed& p, const RunReport& report) {
  if (!report.rounds.empty() || !report.tasks.empty())
    troupe::runtime::print_report(std::cout, report);
  if (!p.out.empty()) {
    try {
      troupe::runtime::write_json(report, p.out);
      std::cout << "report written to " << p.out << '\n';
    } catch (const std::exception& e) {
      std::cerr << "troupe: " << e.what() << '\n';
      return kExitFailed;
    }
  }
  if (report.status != "ok") {
    std::cerr << "troupe: job failed: " << report.error << '\n';
    return kExitFailed;
  }
  return kExitOk;
}

int run_command(int argc, char** argv) {
  Parsed p;
  if (auto code = parse("run", argc, argv, p)) return *code;
  troupe::actors::EmbeddedOptions options;
  if (!p.quiet) options.on_round = print_progress;
  if (!p.quiet)
    std::cout << "troupe run: " << p.job.nodes << " nodes, " << p.job.rounds << " rounds, "
              << p.job.model << ", " << p.job.partition << " split, policy " << p.job.policy
              << std::endl;
  return finish(p, troupe::actors::run_embedded(p.job, options));
}

int train_command(int argc, char** argv) {
  Parsed p;
  if (auto code = parse("train", argc, argv, p)) return *code;
  try {
    auto report = troupe::runtime::train_centralized(
        p.job, p.quiet ? troupe::runtime::RoundCallback{}
                       : [&](const RoundRecord& r) { print_progress(r, p.job.rounds); });
    return finish(p, report);
  } catch (const troupe::models::DataError& e) {
    std::cerr << "troupe train: " << e.what() << '\n';
    return kExitFailed;
  } catch (const std::exception& e) {
    std::cerr << "troupe train: " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  troupe::runtime::tune_memory_allocator();
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  // Subcommand parsers see the remaining arguments only.
  if (command == "run") return run_command(argc - 1, argv + 1);
  if (command == "train") return train_command(argc - 1, argv + 1);
  if (command == "allocate") return troupe::cli::allocate_command(argc - 1, argv + 1);
  if (command == "simulate") return troupe::cli::simulate_command(argc - 1, argv + 1);
  std::cerr << "troupe: unknown command '" << command << "'\n\n" << kUsage;
  return kExitUsage;
}
