#include "report/html_report.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "report/federated_html.hpp"
#include "report/gantt_svg.hpp"
#include "report/line_chart_svg.hpp"
#include "report/markup.hpp"
#include "report/node_data_html.hpp"
#include "report/privacy_text.hpp"
#include "report/report_json.hpp"
#include "report/schedule_report.hpp"
#include "report/secure_sum_text.hpp"
#include "report/utilisation_svg.hpp"
#include "runtime/core/job_model.hpp"

namespace troupe::runtime {
namespace {

using nlohmann::json;

/// Rows of the allocation table drawn per run; the JSON has them all.
constexpr std::size_t kMaxTaskRows = 5000;

/// Distinguishable on white and in greyscale print (Tableau 10).
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string colour_of(std::size_t run) {
  return kPalette[run % (sizeof kPalette / sizeof kPalette[0])];
}

constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
h3 { font-size: 15px; margin-top: 22px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #d0d0d0; padding: 3px 7px; text-align: right; }
th { background: #f2f2f2; } td:first-child { white-space: nowrap; } td.text, th.text { text-align: left; }
tr.failed td { background: #fde8e8; } .status-ok { color: #1a7f37; font-weight: bold; }
.status-failed { color: #c62828; font-weight: bold; } .error { color: #c62828; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } .scroll { overflow-x: auto; }
code, .mono { font-family: monospace; } td.mono { max-width: 11em; word-break: break-all; } .note { color: #666; font-size: 12px; }
details { margin: 8px 0; } summary { cursor: pointer; }
)";

/// One summary cell with an id and the exact value for machines.
std::string number_cell(const std::string& id, double value, int digits) {
  return "<td id=\"" + id + "\" data-value=\"" + exact_number(value) + "\">" +
         fixed_digits(value, digits) + "</td>";
}

std::string text_cell(const std::string& id, const std::string& text,
                      const std::string& cls = "text") {
  return "<td id=\"" + id + "\" class=\"" + cls + "\">" + html_escape(text.empty() ? "-" : text) +
         "</td>";
}

std::string time_text(Seconds s) {
  return s < 0 ? "-" : fixed_digits(s, 2);
}

/// A JSON value as plain text: strings unquoted, the rest as JSON.
std::string json_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

/// The run's JSON, read back generically, so that fields added to RunReport
/// later (the async mode, say) show up without this page knowing them.
json as_json(const RunReport& run) {
  return json::parse(to_json(run));
}

std::string mode_of(const json& doc) {
  for (const json* where : {&doc, doc.contains("config") ? &doc["config"] : nullptr})
    if (where && where->is_object())
      if (const auto it = where->find("mode"); it != where->end() && !it->is_null())
        return json_text(*it);
  return "";
}

void summary_table(std::ostringstream& s, const std::vector<RunReport>& runs,
                   const std::vector<std::string>& labels, const std::vector<json>& docs) {
  s << "<h2 id=\"summary\">Summary</h2>\n<div class=\"scroll\"><table "
       "id=\"summary-table\">\n<tr><th "
       "class=\"text\">run</th>"
       "<th class=\"text\">status</th><th class=\"text\">mode</th><th class=\"text\">strategy</th>"
       "<th class=\"text\">policy</th><th class=\"text\">model</th><th>nodes</th><th>rounds</th>"
       "<th>accuracy</th><th>precision</th><th>recall</th><th>F1</th><th>test loss</th>"
       "<th>wall s</th><th>makespan s</th><th>utilisation</th><th>tasks</th>"
       "<th class=\"text\">fingerprint</th></tr>\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    const auto& m = r.final_metrics;
    const std::string p = "run" + std::to_string(i) + "-";
    const bool ok = r.status == runtime::RunStatus::ok;
    s << "<tr id=\"" << p << "summary\"" << (ok ? "" : " class=\"failed\"") << ">"
      << "<td class=\"text\"><span style=\"color:" << colour_of(i) << "\">&#9632;</span> "
      << html_escape(labels[i]) << "</td>"
      << text_cell(p + "status", to_string(r.status), ok ? "text status-ok" : "text status-failed")
      << text_cell(p + "mode", mode_of(docs[i])) << text_cell(p + "strategy", r.strategy)
      << text_cell(p + "policy", r.policy) << text_cell(p + "model", runtime::model_label(r.config))
      << "<td id=\"" << p << "nodes\">" << r.config.nodes << "</td>"
      << "<td id=\"" << p << "rounds\" data-value=\"" << r.rounds.size() << "\">" << r.rounds.size()
      << "</td>" << number_cell(p + "final-accuracy", m.accuracy, 4)
      << number_cell(p + "final-precision", m.precision, 4)
      << number_cell(p + "final-recall", m.recall, 4) << number_cell(p + "final-f1", m.f1, 4)
      << number_cell(p + "final-loss", m.loss, 4) << number_cell(p + "wall", r.wall_s, 1)
      << number_cell(p + "makespan", r.efficiency.makespan_s, 2) << "<td id=\"" << p
      << "utilisation\" data-value=\"" << exact_number(r.efficiency.utilisation) << "\">"
      << fixed_digits(100 * r.efficiency.utilisation, 1) << " %</td>"
      << "<td id=\"" << p << "task-count\" data-value=\"" << r.tasks.size() << "\">"
      << r.tasks.size() << "</td>" << text_cell(p + "fingerprint", r.model_fingerprint, "text mono")
      << "</tr>\n";
    if (!r.error.empty())
      s << "<tr><td></td><td colspan=\"17\" class=\"text error\" id=\"" << p << "error\">"
        << html_escape(r.error) << "</td></tr>\n";
    if (r.clock.is_virtual())
      s << "<tr><td></td><td colspan=\"17\" class=\"text clock\" id=\"" << p
        << "clock\">virtual clock: every time of this run is virtual seconds (device profile "
        << html_escape(r.clock.device_profile) << "; the run took "
        << fixed_digits(r.clock.real_s, 1) << " s of real time)</td></tr>\n";
    // Where the run came from; older reports have none.
    const auto& from = r.provenance;
    if (!from.troupe_version.empty()) {
      std::string hosts;
      for (const auto& h : from.hosts) hosts += (hosts.empty() ? "" : ", ") + h;
      s << "<tr><td></td><td colspan=\"17\" class=\"text provenance\" id=\"" << p
        << "provenance\">troupe " << html_escape(from.troupe_version) << ", started "
        << html_escape(from.started_utc) << " on " << html_escape(hosts)
        << (from.job_file.empty() ? "" : ", job file " + html_escape(from.job_file))
        << "<br><span class=\"mono\">" << html_escape(from.command_line) << "</span></td></tr>\n";
    }
  }
  s << "</table></div>\n";
}

void round_charts(std::ostringstream& s, const std::vector<RunReport>& runs,
                  const std::vector<std::string>& labels) {
  LineChart quality;
  quality.id = "chart-quality";
  quality.title = "Accuracy and F1 per round";
  quality.x_label = "round";
  quality.y_label = "test metric";
  LineChart loss;
  loss.id = "chart-loss";
  loss.title = "Loss per round";
  loss.x_label = "round";
  loss.y_label = "loss";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const int run = static_cast<int>(i);
    ChartSeries acc{labels[i] + " accuracy", "accuracy", colour_of(i), false, run, {}};
    ChartSeries f1{labels[i] + " F1", "f1", colour_of(i), true, run, {}};
    ChartSeries test_loss{labels[i] + " test loss", "loss", colour_of(i), false, run, {}};
    ChartSeries train_loss{labels[i] + " training loss", "train-loss", colour_of(i), true, run, {}};
    for (const auto& r : runs[i].rounds) {
      acc.points.emplace_back(r.round, r.accuracy);
      f1.points.emplace_back(r.round, r.f1);
      test_loss.points.emplace_back(r.round, r.loss);
      train_loss.points.emplace_back(r.round, r.train_loss);
    }
    quality.series.push_back(std::move(acc));
    quality.series.push_back(std::move(f1));
    loss.series.push_back(std::move(test_loss));
    loss.series.push_back(std::move(train_loss));
  }
  s << "<h2 id=\"rounds\">Rounds</h2>\n<p class=\"note\">Solid lines: accuracy and test loss of "
       "the global model after each round; dashed: macro F1 and the nodes' mean training "
       "loss.</p>\n<div class=\"charts\">\n"
    << line_chart_svg(quality) << '\n'
    << line_chart_svg(loss) << "\n</div>\n";
}

ScheduleReport as_schedule(const RunReport& r) {
  ScheduleReport s;
  s.policy = r.policy;
  for (const auto& n : r.nodes) s.nodes.push_back({n.id, n.tasks, n.busy_s, 1.0, n.utilisation});
  for (const auto& t : r.tasks) {
    ScheduledTask st;
    st.id = t.id;
    st.node = t.node;
    st.priority = t.priority;
    st.cpu = 1.0;
    st.queued_s = t.queued_at;
    st.start_s = t.started_at;
    st.end_s = t.finished_at;
    st.state = to_string(t.state);
    s.tasks.push_back(std::move(st));
  }
  s.makespan_s = r.efficiency.makespan_s;
  s.mean_completion_s = r.efficiency.mean_completion_s;
  s.p95_completion_s = r.efficiency.p95_completion_s;
  s.utilisation = r.efficiency.utilisation;
  return s;
}

void rounds_table(std::ostringstream& s, const RunReport& r, const std::string& p) {
  s << "<details open><summary>Rounds</summary>\n<table id=\"" << p << "rounds-table\">\n"
    << "<tr><th>round</th><th>version</th><th>accuracy</th><th>precision</th><th>recall</th>"
       "<th>F1</th><th>test loss</th><th>training loss</th><th>updates</th><th>failed</th>"
       "<th>seconds</th></tr>\n";
  for (const auto& rr : r.rounds)
    s << "<tr data-round=\"" << rr.round << "\"><td>" << rr.round << "</td><td>" << rr.version
      << "</td><td>" << fixed_digits(rr.accuracy, 4) << "</td><td>" << fixed_digits(rr.precision, 4)
      << "</td><td>" << fixed_digits(rr.recall, 4) << "</td><td>" << fixed_digits(rr.f1, 4)
      << "</td><td>" << fixed_digits(rr.loss, 4) << "</td><td>" << fixed_digits(rr.train_loss, 4)
      << "</td><td>" << rr.updates << "</td><td>" << rr.failed << "</td><td>"
      << fixed_digits(rr.seconds, 2) << "</td></tr>\n";
  s << "</table>\n</details>\n";
}

void allocation_table(std::ostringstream& s, const RunReport& r, const std::string& p) {
  s << "<details open><summary>Allocation: " << r.tasks.size() << " tasks</summary>\n"
    << "<div class=\"scroll\"><table id=\"" << p << "tasks\" data-task-count=\"" << r.tasks.size()
    << "\">\n<tr><th>task</th><th class=\"text\">kind</th><th>round</th><th>shard</th>"
       "<th class=\"text\">node</th><th class=\"text\">state</th><th>priority</th>"
       "<th>queued s</th><th>start s</th><th>end s</th><th>run s</th><th>samples</th>"
       "<th>loss</th><th>replaces</th><th class=\"text\">error</th></tr>\n";
  for (std::size_t i = 0; i < r.tasks.size() && i < kMaxTaskRows; ++i) {
    const auto& t = r.tasks[i];
    const bool timed = t.started_at >= 0 && t.finished_at >= t.started_at;
    s << "<tr class=\"task" << (t.state == TaskState::failed ? " failed" : "") << "\" data-task=\""
      << t.id << "\" data-node=\"" << html_escape(t.node) << "\" data-state=\""
      << to_string(t.state) << "\"><td>" << t.id << "</td><td class=\"text\">" << to_string(t.kind)
      << "</td><td>" << t.round << "</td><td>" << (t.shard >= 0 ? std::to_string(t.shard) : "-")
      << "</td><td class=\"text\">" << html_escape(t.node.empty() ? "-" : t.node)
      << "</td><td class=\"text\">" << to_string(t.state) << "</td><td>"
      << fixed_digits(t.priority, 1) << "</td><td>" << time_text(t.queued_at) << "</td><td>"
      << time_text(t.started_at) << "</td><td>" << time_text(t.finished_at) << "</td><td>"
      << (timed ? fixed_digits(t.finished_at - t.started_at, 2) : "-") << "</td><td>" << t.samples
      << "</td><td>" << fixed_digits(t.loss, 4) << "</td><td>"
      << (t.reassigned_from >= 0 ? std::to_string(t.reassigned_from) : "-")
      << "</td><td class=\"text error\">" << html_escape(t.error) << "</td></tr>\n";
  }
  s << "</table></div>\n";
  if (r.tasks.size() > kMaxTaskRows)
    s << "<p class=\"note\">" << r.tasks.size() - kMaxTaskRows
      << " more tasks are not shown; the JSON report has them all.</p>\n";
  s << "</details>\n";
}

void confusion_table(std::ostringstream& s, const RunReport& r, const std::string& p) {
  const auto& m = r.final_metrics;
  if (m.num_classes <= 0 ||
      m.confusion.size() != static_cast<std::size_t>(m.num_classes) * m.num_classes)
    return;
  std::int64_t max = 1;
  for (auto c : m.confusion) max = std::max(max, c);
  s << "<details><summary>Confusion matrix of the final model (rows: true class, columns: "
       "predicted)</summary>\n<table id=\""
    << p << "confusion\">\n<tr><th></th>";
  for (int c = 0; c < m.num_classes; ++c) s << "<th>" << c << "</th>";
  s << "</tr>\n";
  for (int t = 0; t < m.num_classes; ++t) {
    s << "<tr><th>" << t << "</th>";
    for (int c = 0; c < m.num_classes; ++c) {
      const double f = static_cast<double>(m.at(t, c)) / static_cast<double>(max);
      s << "<td style=\"background: rgba(31,119,180," << fixed_digits(0.75 * f, 2) << ")\">"
        << m.at(t, c) << "</td>";
    }
    s << "</tr>\n";
  }
  s << "</table>\n</details>\n";
}

void config_table(std::ostringstream& s, const json& doc, const std::string& p) {
  const auto it = doc.find("config");
  if (it == doc.end() || !it->is_object()) return;
  s << "<details><summary>Configuration</summary>\n<table id=\"" << p << "config\">\n";
  for (const auto& [key, value] : it->items())
    s << "<tr><th class=\"text\">" << html_escape(key) << "</th><td class=\"text\">"
      << html_escape(json_text(value)) << "</td></tr>\n";
  s << "</table>\n</details>\n";
}

void run_section(std::ostringstream& s, const RunReport& r, const std::string& label,
                 std::size_t index, const json& doc) {
  const std::string p = "run" + std::to_string(index) + "-";
  s << "<h2 id=\"" << p << "section\">Run: " << html_escape(label) << "</h2>\n";
  if (r.status != runtime::RunStatus::ok)
    s << "<p class=\"error\">The job failed: " << html_escape(r.error) << "</p>\n";
  const auto& e = r.efficiency;
  s << "<p>" << r.nodes.size() << " nodes, " << r.tasks.size() << " tasks, makespan "
    << fixed_digits(e.makespan_s, 2) << " s, task completion mean "
    << fixed_digits(e.mean_completion_s, 2) << " s (p95 " << fixed_digits(e.p95_completion_s, 2)
    << " s), overall utilisation " << fixed_digits(100 * e.utilisation, 1) << " %.</p>\n";
  s << "<h3>Tasks on nodes</h3>\n<div class=\"scroll\" id=\"" << p << "gantt\">\n";
  GanttOptions gantt;
  gantt.title = label + ": tasks on nodes";
  gantt.subtitle = "policy " + (r.policy.empty() ? std::string("-") : r.policy) +
                   "; one bar per task run, darker = higher priority; hover for details";
  s << gantt_svg(as_schedule(r), gantt) << "\n</div>\n";
  s << "<h3>Node utilisation</h3>\n<div class=\"scroll\">\n"
    << utilisation_svg(r, p + "utilisation-chart") << "\n</div>\n";
  rounds_table(s, r, p);
  s << node_data_html(r, p);
  federated_tables(s, r, p);
  secure_sum_html(s, r, p);
  privacy_html(s, r.privacy, p);
  allocation_table(s, r, p);
  confusion_table(s, r, p);
  config_table(s, doc, p);
}

}  // namespace

std::string html_report(const std::vector<RunReport>& runs,
                        const std::vector<std::string>& given_labels) {
  std::vector<std::string> labels;
  std::vector<json> docs;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    labels.push_back(i < given_labels.size() && !given_labels[i].empty()
                         ? given_labels[i]
                         : "run " + std::to_string(i + 1));
    docs.push_back(as_json(runs[i]));
  }
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"generator\" content=\"troupe\">\n<title>troupe report";
  if (runs.size() == 1) s << ": " << html_escape(labels[0]);
  s << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>troupe report</h1>\n"
    << "<p class=\"note\" id=\"run-count\" data-value=\"" << runs.size() << "\">" << runs.size()
    << (runs.size() == 1 ? " run" : " runs")
    << ". Everything on this page is inline; the JSON report next to it has every figure.</p>\n";
  if (runs.empty()) {
    s << "<p>No runs.</p>\n</body>\n</html>\n";
    return s.str();
  }
  summary_table(s, runs, labels, docs);
  round_charts(s, runs, labels);
  for (std::size_t i = 0; i < runs.size(); ++i) run_section(s, runs[i], labels[i], i, docs[i]);
  s << "</body>\n</html>\n";
  return s.str();
}

void write_html_report(const std::string& dir, const std::vector<RunReport>& runs,
                       const std::vector<std::string>& labels) {
  if (runs.empty()) throw std::invalid_argument("no runs to report");
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("cannot create the report directory '" + dir + "': " + ec.message());
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("the report directory '" + dir + "' is not a directory");
  const fs::path base(dir);
  write_text_file((base / "index.html").string(), html_report(runs, labels));
  write_text_file((base / "report.json").string(), to_json(runs.front()));
  if (runs.size() > 1)
    for (std::size_t i = 0; i < runs.size(); ++i)
      write_text_file((base / ("run-" + std::to_string(i + 1) + ".json")).string(),
                      to_json(runs[i]));
}

}  // namespace troupe::runtime
