#pragma once
// Writing a schedule report the way allocate and simulate both do: tables on
// stdout (unless quiet), JSON to --out, an SVG Gantt chart to --gantt.

#include <string>

#include "report/schedule_report.hpp"

namespace troupe::cli {

struct OutputOptions {
  std::string json_path;
  std::string gantt_path;
  bool quiet = false;
};

/// Returns kExitOk, or kExitFailed when a file cannot be written (message on stderr).
int write_schedule(const std::string& command, const runtime::ScheduleReport& report,
                   const OutputOptions& options);

}  // namespace troupe::cli
