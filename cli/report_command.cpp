// troupe report: renders saved JSON run reports as one HTML page (runs
// overlaid), or fetches a finished job's reports from a scheduler by its id.
#include <filesystem>
#include <iostream>

#include "actors/job_client.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "report/html_report.hpp"
#include "report/report_reader.hpp"
#include "runtime/core/input_error.hpp"
#include "runtime/io/job_index.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// A job id rather than a file: `job-N` with no file of that name here (a
/// file wins, so that a report saved as `job-3` stays renderable).
bool is_job_id(const std::string& arg) {
  return runtime::job_serial(arg).has_value() && !std::filesystem::exists(arg);
}

/// Fetches job `id`'s report.json and its page (index.html) into `dir`.
int fetch_job_reports(SchedulerClient& client, const std::string& id, const std::string& dir) {
  if (auto code = load_client_options("report", client)) return *code;
  std::string json, html;
  auto reply = actors::fetch_reports({client.endpoint, client.common}, id, json, html);
  if (reply.code != 0) {
    std::cerr << "troupe report: " << reply.why << '\n';
    return reply.code;
  }
  try {
    std::filesystem::create_directories(dir);
    runtime::write_file_atomically((std::filesystem::path(dir) / "report.json").string(), json);
    runtime::write_file_atomically((std::filesystem::path(dir) / "index.html").string(), html);
  } catch (const std::exception& e) {
    std::cerr << "troupe report: " << e.what() << '\n';
    return kExitFailed;
  }
  std::cout << "reports of " << id << " written to " << dir << "/report.json and " << dir
            << "/index.html\n";
  return kExitOk;
}

}  // namespace

int report_command(int argc, char** argv) {
  std::string pages, deprecated_out;
  std::vector<std::string> files, labels;
  SchedulerClient client;
  po::options_description desc(
      "troupe report options (troupe report --report DIR RUN.json... | troupe report ID "
      "--report DIR)");
  desc.add_options()("report", po::value(&pages), "write index.html and the JSON reports into DIR")(
      "out,o", po::value(&deprecated_out), "deprecated: the same as --report DIR")(
      "label", po::value(&labels)->composing(),
      "name of the next run in the legend (repeat once per run; default: the file name)")(
      "run", po::value(&files)->composing(),
      "a JSON run report (troupe run --out), or one job id (job-N) to fetch from the scheduler; "
      "also bare");
  add_client_options(desc, client);
  po::positional_options_description positional;
  positional.add("run", -1);
  po::variables_map vm;
  if (auto code = parse_command_line("report", desc, argc, argv, vm, &positional)) return *code;
  if (!deprecated_out.empty()) {
    std::cerr << "troupe report: --out is deprecated here; use --report DIR\n";
    if (!pages.empty() && pages != deprecated_out)
      return usage_error("report", "--out and --report name different directories");
    pages = deprecated_out;
  }
  if (pages.empty()) return usage_error("report", "--report DIR is required");
  if (files.empty()) return usage_error("report", "give at least one JSON run report or a job id");
  if (files.size() == 1 && is_job_id(files[0])) {
    if (!labels.empty())
      return usage_error("report", "--label applies to report files, not a job id");
    return fetch_job_reports(client, files[0], pages);
  }
  for (const auto& f : files)
    if (is_job_id(f))
      return usage_error("report",
                         "'" + f + "' is a job id: give one job id alone, or report files");
  if (labels.size() > files.size())
    return usage_error("report", std::to_string(labels.size()) + " labels for " +
                                     std::to_string(files.size()) + " runs");
  std::vector<runtime::RunReport> runs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    try {
      runs.push_back(runtime::read_report_file(files[i]));
    } catch (const runtime::InputError& e) {
      std::cerr << "troupe report: " << e.what() << '\n';
      return kExitFailed;
    }
    if (labels.size() <= i) labels.push_back(std::filesystem::path(files[i]).stem().string());
  }
  try {
    runtime::write_html_report(pages, runs, labels);
  } catch (const std::exception& e) {
    std::cerr << "troupe report: " << e.what() << '\n';
    return kExitFailed;
  }
  std::cout << "HTML report of " << runs.size() << (runs.size() == 1 ? " run" : " runs")
            << " written to " << pages << "/index.html\n";
  return kExitOk;
}

}  // namespace troupe::cli
