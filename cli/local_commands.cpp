// troupe run and troupe train: jobs in this process.
#include <iostream>

#include "actors/cluster.hpp"
#include "cli/commands.hpp"
#include "cli/invocation.hpp"
#include "cli/job_file.hpp"
#include "cli/job_options.hpp"
#include "cli/option_rules.hpp"
#include "cli/options.hpp"
#include "cli/progress_printer.hpp"
#include "cli/report_tables.hpp"
#include "cli/stdout_report.hpp"
#include "models/data_files.hpp"
#include "models/idx_reader.hpp"
#include "models/trainer.hpp"
#include "report/html_report.hpp"
#include "report/report_json.hpp"
#include "report/report_reader.hpp"
#include "runtime/core/job_model.hpp"
#include "runtime/io/checkpoint.hpp"
#include "runtime/io/model_file.hpp"
#include "runtime/io/test_data.hpp"
#include "runtime/node/centralized.hpp"
#include "runtime/simulation/virtual_run.hpp"
#include "runtime/system/log.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// Options of a job run here: the job, --out, --report, --quiet.
struct LocalJob {
  runtime::JobSpec job;
  ReportOutputs outputs;
  bool quiet = false;
  std::string data;                ///< train: the examples to train on (--data)
  std::string label_column;        ///< train: their label column (--label-column)
  std::string clock = "wall";      ///< run: wall or virtual (--clock)
  std::string device_profile;      ///< run: --device-profile as given
  runtime::DeviceProfile profile;  ///< run --clock virtual: the profile it names
};

std::optional<int> parse_local_job(const std::string& command, int argc, char** argv, LocalJob& p) {
  po::options_description desc("troupe " + command + " options");
  OptionSections sections;
  add_report_options(sections["outputs"], p.outputs);
  sections["outputs"].add_options()("quiet,q", po::bool_switch(&p.quiet), "no progress output");
  std::string job_file;
  sections["job"].add_options()(
      "job", po::value(&job_file),
      "re-run the job of a JSON report (its \"config\"); options given here override it");
  if (command == "train")
    sections["data"].add_options()("data", po::value(&p.data),
                                   "train on these examples instead of --data-dir's training "
                                   "split (CSV file, x.npy/y.npy directory or IDX pair, as troupe "
                                   "node --data)")(
        "label-column", po::value(&p.label_column),
        "CSV: the label column, by header name or 0-based index (default: the last)");
  if (command == "run")
    sections["cluster"].add_options()(
        "clock", po::value(&p.clock)->default_value("wall"),
        "wall: tasks take the time they take here; virtual: they really run, but each takes the "
        "time its node's device (--device-profile) would need, on a virtual clock (one thread, "
        "deterministic; the report's times are virtual seconds)")(
        "device-profile", po::value(&p.device_profile),
        "with --clock virtual, each node's compute speed and link: uniform, stragglers (30 % of "
        "nodes 4x slower), heavy-tail (log-normal), or a JSON file (docs/collaboration.md); "
        "default uniform");
  add_job_options(sections, p.job);
  sections.add_to(desc);
  po::variables_map vm;
  if (auto code = parse_command_line(command, desc, argc, argv, vm)) return code;
  if (!job_file.empty()) {
    if (auto why = merge_job_file(job_file, vm, p.job); !why.empty())
      return usage_error(command, why);
    // A report of a run on the virtual clock re-runs on it, unless --clock says otherwise.
    if (command == "run" && vm["clock"].defaulted()) {
      try {
        const auto earlier = runtime::read_report_file(job_file);
        if (earlier.clock.is_virtual()) {
          p.clock = "virtual";
          if (p.device_profile.empty()) p.device_profile = earlier.clock.device_profile;
        }
      } catch (const std::exception&) {
        // A job file, not a report: it has no clock (merge_job_file read it already).
      }
    }
  }
  reserve_stdout_if(p.outputs.json_file);
  if (p.data.empty() && !p.label_column.empty())
    return usage_error(command, "--label-column needs --data");
  if (auto why = p.job.validate(); !why.empty()) return usage_error(command, why);
  if (auto why = inapplicable_option(command, p.job, vm); !why.empty())
    return usage_error(command, why);
  try {
    runtime::attach_test_data(p.job);
  } catch (const std::exception& e) {
    return usage_error(command, e.what());
  }
  if (auto why = attach_model(p.job); !why.empty()) return usage_error(command, why);
  if (command == "run")
    if (auto why = check_registered_names(p.job); !why.empty()) return usage_error(command, why);
  if (auto why = models::check_device(p.job.compute.device); !why.empty())
    return usage_error(command, why);
  // The centralised baseline has no rounds of a federation to checkpoint: an
  // option it would ignore is refused, not a job that silently writes none.
  if (command == "train" && (!p.job.checkpoint.dir.empty() || !p.job.checkpoint.resume.empty()))
    return usage_error(command,
                       "troupe train writes no checkpoints: --checkpoint-dir and --resume are "
                       "for troupe run and troupe submit");
  // The baseline trains on all the data in one place: there are no updates to noise.
  if (command == "train" && p.job.privacy.enabled())
    return usage_error(command,
                       "troupe train has no differential privacy: --dp is for troupe run "
                       "and troupe submit");
  if (p.clock != "wall" && p.clock != "virtual")
    return usage_error(command, "--clock must be wall or virtual, not '" + p.clock + "'");
  if (p.clock == "wall" && !p.device_profile.empty())
    return usage_error(command, "--device-profile needs --clock virtual");
  if (p.clock == "virtual") {
    try {
      p.profile = runtime::load_device_profile(p.device_profile.empty() ? std::string("uniform")
                                                                        : p.device_profile);
    } catch (const std::exception& e) {
      return usage_error(command, std::string("--device-profile: ") + e.what());
    }
    if (auto why = runtime::virtual_clock_problem(p.job); !why.empty())
      return usage_error(command, why);
  }
  // Checkpoints are written here, in this process: a directory that cannot
  // hold them is a usage error now, not a job that silently writes none.
  if (!p.job.checkpoint.dir.empty())
    if (auto why = runtime::checkpoint_dir_problem(p.job.checkpoint.dir); !why.empty())
      return usage_error(command, why);
  return std::nullopt;
}

}  // namespace

void add_report_options(po::options_description& desc, ReportOutputs& outputs) {
  desc.add_options()("out", po::value(&outputs.json_file),
                     "write the JSON report to FILE (-: to stdout, the terminal output to "
                     "stderr)")("report", po::value(&outputs.html_dir),
                                "write the HTML report (index.html, report.json) into DIR");
}

int finish_report(const runtime::RunReport& job_report, const ReportOutputs& outputs) {
  auto report = job_report;
  report.provenance = this_run_provenance(job_report.provenance);
  if (!report.rounds.empty() || !report.tasks.empty()) runtime::print_report(std::cout, report);
  int code = kExitOk;
  if (!outputs.json_file.empty()) {
    try {
      if (is_stdout(outputs.json_file)) {
        write_stdout_report(runtime::to_json(report) + "\n");
      } else {
        runtime::write_json(report, outputs.json_file);
        std::cout << "report written to " << outputs.json_file << '\n';
      }
    } catch (const std::exception& e) {
      std::cerr << "troupe: " << e.what() << '\n';
      code = kExitFailed;
    }
  }
  // A failed job's page still shows how far it got.
  if (!outputs.html_dir.empty()) {
    try {
      runtime::write_html_report(outputs.html_dir, {report}, {report.config.name});
      std::cout << "HTML report written to " << outputs.html_dir << "/index.html\n";
    } catch (const std::exception& e) {
      std::cerr << "troupe: " << e.what() << '\n';
      code = kExitFailed;
    }
  }
  if (report.status == runtime::RunStatus::refused) {  // its own input: a usage error
    std::cerr << "troupe: job refused: " << report.error << '\n';
    return kExitUsage;
  }
  if (report.status == runtime::RunStatus::degraded) {
    std::cerr << "troupe: job degraded: " << report.error << '\n';
    return code == kExitOk ? kExitDegraded : code;
  }
  if (report.status == runtime::RunStatus::cancelled) {
    std::cerr << "troupe: job cancelled: " << report.error << '\n';
    return kExitFailed;
  }
  if (report.status != runtime::RunStatus::ok) {
    std::cerr << "troupe: job failed: " << report.error << '\n';
    return kExitFailed;
  }
  return code;
}

int run_command(int argc, char** argv) {
  LocalJob p;
  if (auto code = parse_local_job("run", argc, argv, p)) return *code;
  // The in-process scheduler, aggregator and nodes log as the daemons do. Their
  // info lines (a node joined, a job started) repeat what the progress line
  // and the report say, so troupe run shows their warnings and errors only.
  runtime::logging::LogOptions log;
  log.level = runtime::logging::Level::warn;
  log.process = "run";
  runtime::logging::configure(log);
  actors::EmbeddedOptions options;
  ProgressPrinter progress(p.job.rounds, p.quiet);
  options.on_round = [&](const runtime::RoundRecord& r, int) { progress.round(r); };
  if (!p.quiet) {
    std::cout << "troupe run: " << p.job.nodes << " nodes, " << p.job.rounds << " rounds, "
              << runtime::model_label(p.job) << ", " << p.job.data.partition << " split, policy "
              << p.job.cluster.policy << std::endl;
  }
  if (p.clock == "virtual") {
    if (!p.quiet)
      std::cout << "troupe run: virtual clock, device profile " << p.profile.name
                << " (times are virtual seconds)" << std::endl;
    runtime::VirtualRunOptions virtual_options;
    virtual_options.profile = p.profile;
    virtual_options.on_round = options.on_round;
    const auto report = runtime::run_virtual(p.job, virtual_options);
    progress.finish();
    return finish_report(report, p.outputs);
  }
  const auto report = actors::run_embedded(p.job, options);
  progress.finish();
  return finish_report(report, p.outputs);
}

int train_command(int argc, char** argv) {
  LocalJob p;
  if (auto code = parse_local_job("train", argc, argv, p)) return *code;
  runtime::CentralData own;
  if (!p.data.empty()) {
    try {
      own.examples = std::make_shared<const models::Dataset>(
          models::load_examples(p.data, models::DataFileOptions{p.label_column}));
      own.source = p.data;
    } catch (const std::exception& e) {
      return usage_error("train", e.what());
    }
  }
  try {
    ProgressPrinter progress(p.job.rounds, p.quiet);
    const auto report = runtime::train_centralized(
        p.job, [&](const runtime::RoundRecord& r) { progress.round(r); }, own);
    progress.finish();
    return finish_report(report, p.outputs);
  } catch (const std::exception& e) {
    std::cerr << "troupe train: " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace troupe::cli
