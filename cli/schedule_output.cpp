#include "cli/schedule_output.hpp"

#include <iostream>

#include "cli/options.hpp"
#include "cli/stdout_report.hpp"
#include "report/gantt_svg.hpp"

namespace troupe::cli {

int write_schedule(const std::string& command, const runtime::ScheduleReport& report,
                   const OutputOptions& options) {
  if (!options.quiet) runtime::print_schedule(std::cout, report);
  try {
    if (is_stdout(options.json_path)) {
      write_stdout_report(runtime::schedule_json(report) + "\n");
    } else if (!options.json_path.empty()) {
      runtime::write_text_file(options.json_path, runtime::schedule_json(report));
      std::cout << "report written to " << options.json_path << '\n';
    }
    if (!options.gantt_path.empty()) {
      runtime::write_text_file(options.gantt_path, runtime::gantt_svg(report));
      std::cout << "Gantt chart written to " << options.gantt_path << '\n';
    }
  } catch (const std::exception& e) {
    std::cerr << "troupe " << command << ": " << e.what() << '\n';
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace troupe::cli
