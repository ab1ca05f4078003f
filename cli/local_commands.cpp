// troupe run and troupe train: jobs in this process.
#include <iomanip>
#include <iostream>

#include "actors/cluster.hpp"
#include "cli/commands.hpp"
#include "cli/job_options.hpp"
#include "cli/options.hpp"
#include "models/idx_reader.hpp"
#include "models/trainer.hpp"
#include "runtime/centralized.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// Options of a job run here: the job, --out, --quiet.
struct LocalJob {
  runtime::JobSpec job;
  std::string out;
  bool quiet = false;
};

std::optional<int> parse_local_job(const std::string& command, int argc, char** argv, LocalJob& p) {
  po::options_description desc("troupe " + command + " options");
  desc.add_options()("out", po::value(&p.out), "write the JSON report to FILE")(
      "quiet,q", po::bool_switch(&p.quiet), "no per-round progress lines");
  add_job_options(desc, p.job);
  if (auto code = parse_options(command, argc, argv, desc)) return code;
  if (auto why = p.job.validate(); !why.empty()) return usage_error(command, why);
  if (command == "run")
    if (auto why = check_registered_names(p.job); !why.empty()) return usage_error(command, why);
  if (auto why = models::check_device(p.job.device); !why.empty()) return usage_error(command, why);
  return std::nullopt;
}

}  // namespace

void print_progress(const runtime::RoundRecord& r, int rounds) {
  std::cout << "round " << std::setw(3) << r.round << '/' << rounds << std::fixed
            << std::setprecision(4) << "  accuracy " << r.accuracy << "  f1 " << r.f1
            << "  test loss " << r.loss << "  updates " << r.updates << std::setprecision(2) << "  "
            << r.seconds << " s" << std::endl;
}

int finish_report(const runtime::RunReport& report, const std::string& out) {
  if (!report.rounds.empty() || !report.tasks.empty()) runtime::print_report(std::cout, report);
  if (!out.empty()) {
    try {
      runtime::write_json(report, out);
      std::cout << "report written to " << out << '\n';
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
  LocalJob p;
  if (auto code = parse_local_job("run", argc, argv, p)) return *code;
  actors::EmbeddedOptions options;
  if (!p.quiet) {
    options.on_round = print_progress;
    std::cout << "troupe run: " << p.job.nodes << " nodes, " << p.job.rounds << " rounds, "
              << p.job.model << ", " << p.job.partition << " split, policy " << p.job.policy
              << std::endl;
  }
  return finish_report(actors::run_embedded(p.job, options), p.out);
}

int train_command(int argc, char** argv) {
  LocalJob p;
  if (auto code = parse_local_job("train", argc, argv, p)) return *code;
  try {
    runtime::RoundCallback on_round;
    if (!p.quiet)
      on_round = [&](const runtime::RoundRecord& r) { print_progress(r, p.job.rounds); };
    return finish_report(runtime::train_centralized(p.job, on_round), p.out);
  } catch (const std::exception& e) {
    std::cerr << "troupe train: " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace troupe::cli
