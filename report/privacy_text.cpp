#include "report/privacy_text.hpp"

#include <cstdio>

#include "report/line_chart_svg.hpp"
#include "report/markup.hpp"

namespace troupe::runtime {
namespace {

std::string number(double v, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string settings(const PrivacyRecord& p) {
  return to_string(p.mode) + " DP: noise multiplier " + number(p.noise_multiplier, "%g") +
         ", clip norm " + number(p.clip_norm, "%g") + (p.clip_norms.empty() ? "" : " (adaptive)") +
         ", sampling rate " + number(p.sampling_rate, "%g") + ", " +
         std::to_string(p.steps_per_round) + " step(s) per round" +
         (p.target_epsilon > 0 ? ", target ε " + number(p.target_epsilon, "%g") : "");
}

}  // namespace

std::string epsilon_text(double epsilon, double delta) {
  return "ε = " + number(epsilon, "%.2f") + " (δ = " + number(delta, "%g") + ")";
}

std::string privacy_summary(const PrivacyRecord& p) {
  const auto rounds = std::to_string(p.epsilon.size());
  if (p.stopped_by_budget)
    return "privacy budget reached after round " + rounds +
           " (ε = " + number(p.final_epsilon(), "%.2f") + ", δ = " + number(p.delta, "%g") +
           ", target " + number(p.target_epsilon, "%g") + ")";
  return "privacy spent after " + rounds + " rounds: " + epsilon_text(p.final_epsilon(), p.delta);
}

std::string privacy_lines(const PrivacyRecord& p) {
  if (!p.enabled()) return {};
  std::string out = "\nPrivacy (" + settings(p) + ")\n";
  for (std::size_t k = 0; k < p.epsilon.size(); ++k) {
    out += "  round " + std::to_string(k + 1) + ": " + epsilon_text(p.epsilon[k], p.delta);
    if (k < p.clip_norms.size()) out += ", clip norm " + number(p.clip_norms[k], "%.4g");
    out += '\n';
  }
  auto summary = privacy_summary(p);
  summary[0] = 'P';  // the sentence starts the line
  return out + summary + '\n';
}

void privacy_html(std::ostringstream& s, const PrivacyRecord& p, const std::string& prefix) {
  if (!p.enabled()) return;
  s << "<h3>Differential privacy</h3>\n<p id=\"" << prefix << "privacy\">"
    << html_escape(settings(p)) << ". " << html_escape(privacy_summary(p)) << ". "
    << html_escape(p.accountant) << ".</p>\n";
  LineChart chart;
  chart.id = prefix + "privacy-chart";
  chart.title = "Privacy spent (δ = " + number(p.delta, "%g") + ")";
  chart.x_label = "round";
  chart.y_label = "ε";
  ChartSeries eps;
  eps.label = "ε";
  eps.metric = "epsilon";
  eps.colour = "#d62728";
  for (std::size_t k = 0; k < p.epsilon.size(); ++k)
    eps.points.emplace_back(static_cast<double>(k + 1), p.epsilon[k]);
  chart.series.push_back(std::move(eps));
  if (!p.clip_norms.empty()) {
    ChartSeries clip;
    clip.label = "clip norm";
    clip.metric = "clip-norm";
    clip.colour = "#2ca02c";
    clip.dashed = true;
    for (std::size_t k = 0; k < p.clip_norms.size(); ++k)
      clip.points.emplace_back(static_cast<double>(k + 1), p.clip_norms[k]);
    chart.series.push_back(std::move(clip));
  }
  s << "<div class=\"scroll\">\n" << line_chart_svg(chart) << "\n</div>\n";
}

}  // namespace troupe::runtime
