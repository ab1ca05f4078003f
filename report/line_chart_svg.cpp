#include "report/line_chart_svg.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "report/markup.hpp"

namespace troupe::runtime {
namespace {

constexpr int kLeft = 58;    // y tick labels and the y axis title
constexpr int kRight = 16;   // margin
constexpr int kTop = 30;     // title
constexpr int kBottom = 44;  // x tick labels and the x axis title
constexpr int kLegendRow = 16;

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0.0, 1.0};
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    const double pad = std::abs(lo) > 1e-12 ? std::abs(lo) * 0.1 : 1.0;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (int i = 0; first + i * step <= last + step * 1e-6 && i < 1000; ++i) {
    const double t = first + i * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string line_chart_svg(const LineChart& c) {
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  bool any = false;
  for (const auto& s : c.series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x_lo = any ? std::min(x_lo, x) : x;
      x_hi = any ? std::max(x_hi, x) : x;
      y_lo = any ? std::min(y_lo, y) : y;
      y_hi = any ? std::max(y_hi, y) : y;
      any = true;
    }
  if (!any) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (c.integer_x && x_hi - x_lo < 1) x_lo -= 0.5, x_hi += 0.5;
  const auto y_ticks = nice_ticks(y_lo, y_hi);
  y_lo = y_ticks.front();
  y_hi = y_ticks.back();
  std::vector<double> x_ticks;
  if (c.integer_x && x_hi - x_lo <= 20) {
    for (double x = std::ceil(x_lo); x <= x_hi + 1e-9; x += 1) x_ticks.push_back(x);
  } else {
    x_ticks = nice_ticks(x_lo, x_hi, 8);
    if (c.integer_x)
      x_ticks.erase(std::remove_if(x_ticks.begin(), x_ticks.end(),
                                   [](double x) { return std::abs(x - std::round(x)) > 1e-9; }),
                    x_ticks.end());
    x_lo = std::min(x_lo, x_ticks.empty() ? x_lo : x_ticks.front());
    x_hi = std::max(x_hi, x_ticks.empty() ? x_hi : x_ticks.back());
  }
  const int legend_h = kLegendRow * static_cast<int>((c.series.size() + 1) / 2);
  const int plot_w = c.width - kLeft - kRight;
  const int plot_h = c.height - kTop - kBottom - legend_h;
  const double x_span = x_hi > x_lo ? x_hi - x_lo : 1.0;
  const double y_span = y_hi > y_lo ? y_hi - y_lo : 1.0;
  const auto px = [&](double x) { return kLeft + (x - x_lo) / x_span * plot_w; };
  const auto py = [&](double y) { return kTop + plot_h - (y - y_lo) / y_span * plot_h; };
  const int y_digits = y_ticks.size() > 1 ? digits_for_step(y_ticks[1] - y_ticks[0]) : 2;

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" << html_escape(c.id)
    << "\" class=\"chart\""
    << " width=\"" << c.width << "\" height=\"" << c.height << "\" viewBox=\"0 0 " << c.width << ' '
    << c.height << "\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\""
    << html_escape(c.title) << "\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << c.width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" "
    << "font-weight=\"bold\">" << html_escape(c.title) << "</text>\n";
  for (double t : y_ticks) {
    const double y = py(t);
    s << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << fixed_digits(y, 1)
      << "\" y2=\"" << fixed_digits(y, 1) << "\" stroke=\"#e3e3e3\"/>\n"
      << "<text class=\"y-tick\" x=\"" << kLeft - 5 << "\" y=\"" << fixed_digits(y + 4, 1)
      << "\" text-anchor=\"end\">" << fixed_digits(t, y_digits) << "</text>\n";
  }
  const int x_digits =
      c.integer_x ? 0 : (x_ticks.size() > 1 ? digits_for_step(x_ticks[1] - x_ticks[0]) : 1);
  for (double t : x_ticks) {
    const double x = px(t);
    s << "<line x1=\"" << fixed_digits(x, 1) << "\" x2=\"" << fixed_digits(x, 1) << "\" y1=\""
      << kTop + plot_h << "\" y2=\"" << kTop + plot_h + 4 << "\" stroke=\"black\"/>\n"
      << "<text class=\"x-tick\" x=\"" << fixed_digits(x, 1) << "\" y=\"" << kTop + plot_h + 16
      << "\" text-anchor=\"middle\">" << fixed_digits(t, x_digits) << "</text>\n";
  }
  s << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\""
    << kTop + plot_h << "\" stroke=\"black\"/>\n"
    << "<line x1=\"" << kLeft << "\" y1=\"" << kTop + plot_h << "\" x2=\"" << kLeft + plot_w
    << "\" y2=\"" << kTop + plot_h << "\" stroke=\"black\"/>\n"
    << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kTop + plot_h + 32
    << "\" text-anchor=\"middle\">" << html_escape(c.x_label) << "</text>\n"
    << "<text transform=\"translate(14," << kTop + plot_h / 2 << ") rotate(-90)\" "
    << "text-anchor=\"middle\">" << html_escape(c.y_label) << "</text>\n";
  if (!any)
    s << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kTop + plot_h / 2
      << "\" text-anchor=\"middle\" fill=\"#777\">no data</text>\n";

  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& series = c.series[i];
    const std::string colour = html_escape(series.colour);
    const std::string dash = series.dashed ? " stroke-dasharray=\"6 4\"" : "";
    s << "<g class=\"series\" data-run=\"" << series.run << "\" data-metric=\""
      << html_escape(series.metric) << "\" data-label=\"" << html_escape(series.label) << "\">\n";
    std::string path;
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      path += (path.empty() ? "" : " ") + fixed_digits(px(x), 2) + "," + fixed_digits(py(y), 2);
    }
    if (!path.empty())
      s << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\"" << dash
        << " points=\"" << path << "\"/>\n";
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      s << "<circle class=\"point\" data-run=\"" << series.run << "\" data-x=\"" << exact_number(x)
        << "\" data-" << html_escape(series.metric) << "=\"" << exact_number(y) << "\" cx=\""
        << fixed_digits(px(x), 2) << "\" cy=\"" << fixed_digits(py(y), 2) << "\" r=\"3\" fill=\""
        << colour << "\"><title>" << html_escape(series.label) << ", " << html_escape(c.x_label)
        << ' ' << exact_number(x) << ": " << fixed_digits(y, 4) << "</title></circle>\n";
    }
    // Legend: two entries per row under the plot.
    const int lx = kLeft + static_cast<int>(i % 2) * (plot_w / 2);
    const int ly = kTop + plot_h + kBottom + static_cast<int>(i / 2) * kLegendRow;
    s << "<line x1=\"" << lx << "\" x2=\"" << lx + 24 << "\" y1=\"" << ly - 4 << "\" y2=\""
      << ly - 4 << "\" stroke=\"" << colour << "\" stroke-width=\"2\"" << dash << "/>\n"
      << "<text class=\"legend\" x=\"" << lx + 30 << "\" y=\"" << ly << "\">"
      << html_escape(series.label) << "</text>\n</g>\n";
  }
  s << "</svg>";
  return s.str();
}

}  // namespace troupe::runtime
