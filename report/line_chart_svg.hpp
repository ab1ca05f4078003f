#pragma once
/// \file
/// A self-contained SVG line chart: several series over a shared x axis, with
/// axes, "nice" ticks (1, 2, 5 × 10^k steps), grid lines and a legend. Every
/// point is a circle carrying its values as data attributes
/// (data-series, data-x and data-<metric>) so tools can read the figures back
/// from the markup.

#include <string>
#include <utility>
#include <vector>

namespace troupe::runtime {

struct ChartSeries {
  std::string label;   ///< legend text
  std::string metric;  ///< attribute name of the y value: data-<metric> (letters, digits, '-')
  std::string colour = "#1f77b4";
  bool dashed = false;
  int run = 0;                                    ///< which run the series belongs to (data-run)
  std::vector<std::pair<double, double>> points;  ///< (x, y) in x order
};

struct LineChart {
  std::string id;  ///< the svg element's id
  std::string title;
  std::string x_label;
  std::string y_label;
  bool integer_x = true;  ///< x ticks on whole numbers (rounds)
  int width = 600;
  int height = 340;
  std::vector<ChartSeries> series;
};

/// Tick positions covering [lo, hi] with a step of 1, 2 or 5 × 10^k, about
/// `target` of them; the first tick is <= lo and the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

std::string line_chart_svg(const LineChart& chart);

}  // namespace troupe::runtime
