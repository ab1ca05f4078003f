#include "report/gantt_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "report/markup.hpp"

namespace troupe::runtime {
namespace {

constexpr int kLabelWidth = 110;  // node names on the left
constexpr int kTop = 48;          // title and summary
constexpr int kAxis = 30;         // time axis below the rows

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

/// Priority 0..max mapped from light to dark blue.
std::string colour(double priority, double max_priority) {
  const double f = max_priority > 0 ? std::clamp(priority / max_priority, 0.0, 1.0) : 0.5;
  const int r = static_cast<int>(200 - 170 * f), g = static_cast<int>(220 - 120 * f);
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02xff", r, g);
  return buf;
}

}  // namespace

std::string gantt_svg(const ScheduleReport& report, const GanttOptions& options) {
  // Runs per node, each put in the first lane free at its start (interval partitioning).
  std::map<std::string, std::size_t> row_of;
  for (std::size_t n = 0; n < report.nodes.size() && n < options.max_nodes; ++n)
    row_of.emplace(report.nodes[n].id, n);
  const std::size_t rows = row_of.size();
  std::vector<std::vector<const ScheduledTask*>> runs(rows);
  double t0 = -1.0, t1 = 0.0, max_priority = 0.0;
  for (const auto& t : report.tasks) {
    if (t.start_s < 0 || t.end_s < t.start_s || t.node.empty()) continue;
    t0 = t0 < 0 ? t.start_s : std::min(t0, t.start_s);
    t1 = std::max(t1, t.end_s);
    max_priority = std::max(max_priority, t.priority);
    if (const auto it = row_of.find(t.node); it != row_of.end()) runs[it->second].push_back(&t);
  }
  if (t0 < 0) t0 = 0.0;
  const double span = t1 > t0 ? t1 - t0 : 1.0;
  std::vector<std::vector<std::pair<const ScheduledTask*, int>>> laned(rows);
  std::vector<int> lanes(rows, 1);
  for (std::size_t r = 0; r < rows; ++r) {
    std::sort(runs[r].begin(), runs[r].end(),
              [](auto* a, auto* b) { return a->start_s < b->start_s; });
    std::vector<double> lane_end;
    for (const auto* t : runs[r]) {
      std::size_t lane = 0;
      while (lane < lane_end.size() && lane_end[lane] > t->start_s + 1e-12) ++lane;
      if (lane == lane_end.size()) lane_end.push_back(0.0);
      lane_end[lane] = t->end_s;
      laned[r].push_back({t, static_cast<int>(lane)});
    }
    lanes[r] = std::max<int>(1, static_cast<int>(lane_end.size()));
  }
  const int lane_h = std::max(4, options.row_height / 2);
  std::vector<int> row_y(rows + 1, kTop);
  for (std::size_t r = 0; r < rows; ++r)
    row_y[r + 1] = row_y[r] + std::max(options.row_height, lanes[r] * lane_h + 4);
  const int chart_w = std::max(200, options.width - kLabelWidth - 20);
  const int height = row_y[rows] + kAxis + 20;
  const auto x_of = [&](double t) { return kLabelWidth + (t - t0) / span * chart_w; };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << options.width << "\" height=\""
    << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">";
  if (options.title.empty())
    s << "troupe schedule, policy " << html_escape(report.policy);
  else
    s << html_escape(options.title);
  s << "</text>\n<text x=\"8\" y=\"36\">";
  if (options.subtitle.empty())
    s << "makespan " << num(report.makespan_s) << " s, completion mean "
      << num(report.mean_completion_s) << " s, p95 " << num(report.p95_completion_s)
      << " s, utilisation " << num(100.0 * report.utilisation) << " %, deadline misses "
      << report.deadline_misses << ", objective " << num(report.objective);
  else
    s << html_escape(options.subtitle);
  s << "</text>\n";
  for (std::size_t r = 0; r < rows; ++r) {
    const auto& id = report.nodes[r].id;
    s << "<rect x=\"" << kLabelWidth << "\" y=\"" << row_y[r] << "\" width=\"" << chart_w
      << "\" height=\"" << row_y[r + 1] - row_y[r] << "\" fill=\""
      << (r % 2 ? "#f4f4f4" : "#fbfbfb") << "\"/>\n<text x=\"4\" y=\"" << row_y[r] + 12 << "\">"
      << html_escape(id) << "</text>\n";
    for (const auto& [t, lane] : laned[r]) {
      const double x = x_of(t->start_s);
      const double w = std::max(0.5, x_of(t->end_s) - x);
      s << "<rect x=\"" << num(x) << "\" y=\"" << row_y[r] + 2 + lane * lane_h << "\" width=\""
        << num(w) << "\" height=\"" << lane_h - 1 << "\" fill=\""
        << colour(t->priority, max_priority) << "\" stroke=\""
        << (t->deadline_missed ? "#d00000" : "#333333") << "\" stroke-width=\"0.5\"><title>task "
        << t->id << " on " << html_escape(id) << ": " << num(t->start_s) << "-" << num(t->end_s)
        << " s, priority " << num(t->priority) << (t->deadline_missed ? ", deadline missed" : "")
        << "</title></rect>\n";
    }
  }
  const int axis_y = row_y[rows] + 4;
  s << "<line x1=\"" << kLabelWidth << "\" y1=\"" << axis_y << "\" x2=\"" << kLabelWidth + chart_w
    << "\" y2=\"" << axis_y << "\" stroke=\"black\"/>\n";
  constexpr int kTicks = 10;
  // Enough decimals that neighbouring ticks differ (2 for spans of seconds or more).
  const int digits = std::clamp(static_cast<int>(std::ceil(-std::log10(span / kTicks))), 2, 6);
  for (int i = 0; i <= kTicks; ++i) {
    const double t = t0 + span * i / kTicks;
    char label[32];
    std::snprintf(label, sizeof label, "%.*f", digits, t);
    s << "<text x=\"" << num(x_of(t)) << "\" y=\"" << axis_y + 14 << "\" text-anchor=\"middle\">"
      << label << "</text>\n";
  }
  s << "<text x=\"" << kLabelWidth + chart_w / 2 << "\" y=\"" << axis_y + 28
    << "\" text-anchor=\"middle\">time (s)</text>\n";
  if (report.nodes.size() > rows)
    s << "<text x=\"8\" y=\"" << axis_y + 28 << "\">" << report.nodes.size() - rows
      << " more nodes not drawn</text>\n";
  s << "</svg>";
  return s.str();
}

}  // namespace troupe::runtime
