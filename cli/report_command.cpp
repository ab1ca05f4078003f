// troupe report: renders saved JSON run reports as one HTML page (runs overlaid).
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "report/html_report.hpp"
#include "report/report_reader.hpp"
#include "runtime/core/input_error.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

int report_command(int argc, char** argv) {
  std::string out;
  std::vector<std::string> files, labels;
  po::options_description desc("troupe report options (troupe report --out DIR RUN.json...)");
  desc.add_options()("out,o", po::value(&out), "write index.html and the JSON reports into DIR")(
      "label", po::value(&labels)->composing(),
      "name of the next run in the legend (repeat once per run; default: the file name)")(
      "run", po::value(&files)->composing(), "a JSON run report (troupe run --out); also bare");
  po::positional_options_description positional;
  positional.add("run", -1);
  po::variables_map vm;
  if (auto code = parse_command_line("report", desc, argc, argv, vm, &positional)) return *code;
  if (out.empty()) return usage_error("report", "--out DIR is required");
  if (files.empty()) return usage_error("report", "give at least one JSON run report");
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
    runtime::write_html_report(out, runs, labels);
  } catch (const std::exception& e) {
    std::cerr << "troupe report: " << e.what() << '\n';
    return kExitFailed;
  }
  std::cout << "HTML report of " << runs.size() << (runs.size() == 1 ? " run" : " runs")
            << " written to " << out << "/index.html\n";
  return kExitOk;
}

}  // namespace troupe::cli
