#include "report/utilisation_svg.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "report/markup.hpp"

namespace troupe::runtime {
namespace {

constexpr int kLabel = 120;     // node names
constexpr int kBarWidth = 220;  // 100 % utilisation
constexpr int kGap = 70;        // bar value text
constexpr int kStripWidth = 600;
constexpr int kRow = 18;
constexpr int kTop = 36;
constexpr int kAxis = 34;

/// White (idle) to dark green (busy).
std::string heat(double fraction) {
  const double f = std::clamp(fraction, 0.0, 1.0);
  const int r = static_cast<int>(255 - 215 * f), g = static_cast<int>(255 - 115 * f),
            b = static_cast<int>(255 - 195 * f);
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
  return buf;
}

}  // namespace

BusyOverTime busy_over_time(const RunReport& run, int bins) {
  bins = std::max(1, bins);
  BusyOverTime out;
  std::map<std::string, std::size_t> index;
  const auto add_node = [&](const std::string& id) {
    if (index.emplace(id, out.nodes.size()).second) out.nodes.push_back(id);
  };
  for (const auto& n : run.nodes) add_node(n.id);
  bool any = false;
  for (const auto& t : run.tasks) {
    if (t.node.empty() || t.started_at < 0 || t.finished_at < t.started_at) continue;
    add_node(t.node);
    out.t0 = any ? std::min(out.t0, t.started_at) : t.started_at;
    out.t1 = any ? std::max(out.t1, t.finished_at) : t.finished_at;
    any = true;
  }
  out.busy.assign(out.nodes.size(), std::vector<double>(static_cast<std::size_t>(bins), 0.0));
  const double span = out.t1 - out.t0;
  if (!any || !(span > 0)) return out;
  const double width = span / bins;
  for (const auto& t : run.tasks) {
    if (t.node.empty() || t.started_at < 0 || t.finished_at < t.started_at) continue;
    auto& row = out.busy[index.at(t.node)];
    const int first = std::clamp(static_cast<int>((t.started_at - out.t0) / width), 0, bins - 1);
    const int last = std::clamp(static_cast<int>((t.finished_at - out.t0) / width), 0, bins - 1);
    for (int b = first; b <= last; ++b) {
      const double lo = out.t0 + b * width, hi = lo + width;
      const double overlap = std::min(hi, t.finished_at) - std::max(lo, t.started_at);
      if (overlap > 0) row[static_cast<std::size_t>(b)] += overlap / width;
    }
  }
  return out;
}

std::string utilisation_svg(const RunReport& run, const std::string& id, int bins) {
  const auto strip = busy_over_time(run, bins);
  const int n_bins =
      strip.busy.empty() ? std::max(1, bins) : static_cast<int>(strip.busy[0].size());
  std::map<std::string, const NodeRecord*> record;
  for (const auto& n : run.nodes) record.emplace(n.id, &n);
  const int rows = static_cast<int>(strip.nodes.size());
  const int strip_x = kLabel + kBarWidth + kGap;
  const int width = strip_x + kStripWidth + 20;
  const int height = kTop + std::max(1, rows) * kRow + kAxis;
  const double cell = static_cast<double>(kStripWidth) / n_bins;
  constexpr int kTicks = 6;
  const int bin_digits = digits_for_step((strip.t1 - strip.t0) / n_bins / 10);
  const int tick_digits = digits_for_step((strip.t1 - strip.t0) / kTicks);

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" << html_escape(id)
    << "\" class=\"utilisation\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << kLabel << "\" y=\"16\" font-weight=\"bold\">busy time / makespan</text>\n"
    << "<text x=\"" << strip_x << "\" y=\"16\" font-weight=\"bold\">busy over time (" << n_bins
    << " bins of " << fixed_digits((strip.t1 - strip.t0) / n_bins, bin_digits) << " s)</text>\n";
  if (rows == 0)
    s << "<text x=\"" << kLabel << "\" y=\"" << kTop + 12 << "\" fill=\"#777\">no nodes</text>\n";
  for (int r = 0; r < rows; ++r) {
    const auto& node = strip.nodes[static_cast<std::size_t>(r)];
    const int y = kTop + r * kRow;
    const auto it = record.find(node);
    const double u = it != record.end() ? it->second->utilisation : 0.0;
    const std::string name = html_escape(node);
    s << "<g class=\"node\" data-node=\"" << name << "\" data-utilisation=\"" << exact_number(u)
      << "\">\n<text x=\"4\" y=\"" << y + 12 << "\">" << name << "</text>\n"
      << "<rect x=\"" << kLabel << "\" y=\"" << y + 2 << "\" width=\"" << kBarWidth
      << "\" height=\"" << kRow - 4 << "\" fill=\"#f0f0f0\"/>\n"
      << "<rect x=\"" << kLabel << "\" y=\"" << y + 2 << "\" width=\""
      << fixed_digits(std::clamp(u, 0.0, 1.0) * kBarWidth, 2) << "\" height=\"" << kRow - 4
      << "\" fill=\"#2c8c3c\"><title>" << name << ": " << fixed_digits(100 * u, 1)
      << " % busy</title></rect>\n<text x=\"" << kLabel + kBarWidth + 6 << "\" y=\"" << y + 12
      << "\">" << fixed_digits(100 * u, 1) << " %</text>\n";
    const auto& row = strip.busy[static_cast<std::size_t>(r)];
    for (int b = 0; b < n_bins; ++b) {
      const double f = row[static_cast<std::size_t>(b)];
      s << "<rect class=\"bin\" data-busy=\"" << exact_number(f) << "\" x=\""
        << fixed_digits(strip_x + b * cell, 2) << "\" y=\"" << y + 2 << "\" width=\""
        << fixed_digits(cell + 0.3, 2) << "\" height=\"" << kRow - 4 << "\" fill=\"" << heat(f)
        << "\"><title>" << name << ", "
        << fixed_digits(strip.t0 + b * (strip.t1 - strip.t0) / n_bins, bin_digits)
        << " s: " << fixed_digits(100 * f, 0) << " % busy</title></rect>\n";
    }
    s << "</g>\n";
  }
  const int axis_y = kTop + std::max(1, rows) * kRow + 4;
  s << "<line x1=\"" << strip_x << "\" x2=\"" << strip_x + kStripWidth << "\" y1=\"" << axis_y
    << "\" y2=\"" << axis_y << "\" stroke=\"black\"/>\n";
  for (int i = 0; i <= kTicks; ++i) {
    const double x = strip_x + static_cast<double>(kStripWidth) * i / kTicks;
    s << "<text x=\"" << fixed_digits(x, 1) << "\" y=\"" << axis_y + 14
      << "\" text-anchor=\"middle\">"
      << fixed_digits(strip.t0 + (strip.t1 - strip.t0) * i / kTicks, tick_digits) << "</text>\n";
  }
  s << "<text x=\"" << strip_x + kStripWidth / 2 << "\" y=\"" << axis_y + 28
    << "\" text-anchor=\"middle\">time (s)</text>\n</svg>";
  return s.str();
}

}  // namespace troupe::runtime
