#pragma once
/// \file
/// A self-contained SVG Gantt chart of a schedule: one row per node, one bar
/// per task run (coloured by priority, red outline when its deadline was
/// missed), a time axis, and a title with the efficiency figures.

#include <string>

#include "report/schedule_report.hpp"

namespace troupe::runtime {

struct GanttOptions {
  int width = 1200;  ///< pixels, chart area included
  int row_height = 18;
  std::size_t max_nodes = 200;  ///< rows drawn; the rest are summarised in a note
  std::string title;            ///< empty: "troupe schedule, policy P"
  std::string subtitle;         ///< empty: the schedule's efficiency figures
};

std::string gantt_svg(const ScheduleReport& report, const GanttOptions& options = {});

}  // namespace troupe::runtime
