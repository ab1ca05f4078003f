#include "runtime/report.hpp"

#include "runtime/job_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace troupe::runtime {
namespace {

using nlohmann::json;

json config_json(const JobSpec& j) {
  return job_to_json(j);
}

json seconds_or_null(Seconds s) {
  return s < 0 ? json(nullptr) : json(s);
}

json confusion_json(const models::ClassificationMetrics& m) {
  json rows = json::array();
  for (int t = 0; t < m.num_classes; ++t) {
    json row = json::array();
    for (int p = 0; p < m.num_classes; ++p) row.push_back(m.at(t, p));
    rows.push_back(std::move(row));
  }
  return rows;
}

/// A fixed-width column table, printed with a header rule.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& os) const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& r : rows_)
      for (std::size_t c = 0; c < r.size() && c < width.size(); ++c)
        width[c] = std::max(width[c], r[c].size());
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      for (std::size_t c = 0; c < rows_[i].size(); ++c)
        os << (c ? "  " : "") << std::setw(static_cast<int>(width[c])) << rows_[i][c];
      os << '\n';
      if (i == 0) {
        std::size_t total = 0;
        for (auto w : width) total += w + 2;
        os << std::string(total > 2 ? total - 2 : 0, '-') << '\n';
      }
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string time_or_dash(Seconds s) {
  return s < 0 ? "-" : fixed(s, 2);
}

}  // namespace

RoundRecord RoundRecord::evaluated(int round, std::int64_t version,
                                   const models::ClassificationMetrics& m) {
  RoundRecord rec;
  rec.round = round;
  rec.version = version;
  rec.accuracy = m.accuracy;
  rec.precision = m.precision;
  rec.recall = m.recall;
  rec.f1 = m.f1;
  rec.loss = m.loss;
  return rec;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const auto hi = static_cast<std::size_t>(std::ceil(rank));
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

void summarise(RunReport& report, const std::vector<std::string>& node_ids) {
  std::map<std::string, NodeRecord> by_node;
  for (const auto& id : node_ids) by_node[id].id = id;
  Seconds first_start = -1.0;
  Seconds last_end = -1.0;
  std::vector<double> completions;
  for (const auto& t : report.tasks) {
    if (t.started_at >= 0 && (first_start < 0 || t.started_at < first_start))
      first_start = t.started_at;
    if (t.finished_at >= 0) last_end = std::max(last_end, t.finished_at);
    if (t.node.empty()) continue;
    auto& n = by_node[t.node];
    n.id = t.node;
    ++n.tasks;
    if (t.started_at >= 0 && t.finished_at >= t.started_at)
      n.busy_s += t.finished_at - t.started_at;
    if (t.state == TaskState::done && t.queued_at >= 0)
      completions.push_back(t.finished_at - t.queued_at);
  }
  auto& e = report.efficiency;
  e.makespan_s = first_start >= 0 && last_end >= first_start ? last_end - first_start : 0.0;
  e.mean_completion_s = 0.0;
  for (double c : completions) e.mean_completion_s += c / static_cast<double>(completions.size());
  e.p95_completion_s = percentile(completions, 95.0);
  report.nodes.clear();
  double busy = 0.0;
  std::vector<std::string> order = node_ids;
  for (const auto& [id, rec] : by_node)
    if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
  for (const auto& id : order) {
    auto rec = by_node[id];
    rec.utilisation = e.makespan_s > 0 ? rec.busy_s / e.makespan_s : 0.0;
    busy += rec.busy_s;
    report.nodes.push_back(rec);
  }
  e.utilisation = e.makespan_s > 0 && !order.empty()
                      ? busy / (e.makespan_s * static_cast<double>(order.size()))
                      : 0.0;
}

std::vector<VersionRecord> versions_of(const std::vector<Task>& tasks) {
  std::map<std::int64_t, std::vector<std::int64_t>> by_version;
  for (const auto& t : tasks)
    if (t.kind == TaskKind::train && t.version >= 0) by_version[t.version].push_back(t.id);
  std::vector<VersionRecord> out;
  for (auto& [v, ids] : by_version) out.push_back({v, std::move(ids)});
  return out;
}

std::string to_json(const RunReport& r) {
  json tasks = json::array();
  for (const auto& t : r.tasks) {
    tasks.push_back({{"id", t.id},
                     {"kind", to_string(t.kind)},
                     {"round", t.round},
                     {"shard", t.shard},
                     {"node", t.node},
                     {"priority", t.priority},
                     {"demand", t.demand},
                     {"state", to_string(t.state)},
                     {"queued_s", seconds_or_null(t.queued_at)},
                     {"assigned_s", seconds_or_null(t.assigned_at)},
                     {"start_s", seconds_or_null(t.started_at)},
                     {"end_s", seconds_or_null(t.finished_at)},
                     {"samples", t.samples},
                     {"loss", t.loss},
                     {"error", t.error},
                     {"reassigned_from", t.reassigned_from < 0 ? nlohmann::json(nullptr)
                                                               : nlohmann::json(t.reassigned_from)},
                     {"base_version", t.base_version < 0 ? json(nullptr) : json(t.base_version)},
                     {"version", t.version < 0 ? json(nullptr) : json(t.version)},
                     {"staleness", t.staleness < 0 ? json(nullptr) : json(t.staleness)}});
  }
  json rounds = json::array();
  for (const auto& rr : r.rounds) {
    rounds.push_back({{"round", rr.round},
                      {"version", rr.version},
                      {"accuracy", rr.accuracy},
                      {"precision", rr.precision},
                      {"recall", rr.recall},
                      {"f1", rr.f1},
                      {"loss", rr.loss},
                      {"train_loss", rr.train_loss},
                      {"seconds", rr.seconds},
                      {"updates", rr.updates},
                      {"failed", rr.failed},
                      {"late", rr.late},
                      {"dropped", rr.dropped},
                      {"mean_staleness", rr.mean_staleness}});
  }
  json versions = json::array();
  for (const auto& v : r.versions) versions.push_back({{"version", v.version}, {"tasks", v.tasks}});
  json nodes = json::array();
  for (const auto& n : r.nodes) {
    json usage = json::array();
    for (const auto& u : n.usage)
      usage.push_back({{"t", u.t},
                       {"cpu", u.cpu},
                       {"rss", u.rss},
                       {"memory_available", u.memory_available},
                       {"disk_free", u.disk_free},
                       {"gpu", u.gpu},
                       {"gpu_memory_used", u.gpu_memory_used},
                       {"bytes_sent", u.bytes_sent},
                       {"bytes_received", u.bytes_received}});
    nodes.push_back({{"id", n.id},
                     {"tasks", n.tasks},
                     {"busy_s", n.busy_s},
                     {"utilisation", n.utilisation},
                     {"bytes_sent", n.bytes_sent},
                     {"bytes_received", n.bytes_received},
                     {"transfer_rate", n.transfer_rate},
                     {"usage", usage}});
  }
  const auto& m = r.final_metrics;
  json out{{"status", r.status},
           {"error", r.error},
           {"policy", r.policy},
           {"strategy", r.strategy},
           {"mode", r.mode},
           {"resumed_from_round", r.resumed_from_round},
           {"config", config_json(r.config)},
           {"tasks", tasks},
           {"rounds", rounds},
           {"versions", versions},
           {"final",
            {{"accuracy", m.accuracy},
             {"precision", m.precision},
             {"recall", m.recall},
             {"f1", m.f1},
             {"loss", m.loss},
             {"confusion", confusion_json(m)},
             {"model_fingerprint", r.model_fingerprint}}},
           {"nodes", nodes},
           {"efficiency",
            {{"makespan_s", r.efficiency.makespan_s},
             {"mean_completion_s", r.efficiency.mean_completion_s},
             {"p95_completion_s", r.efficiency.p95_completion_s},
             {"utilisation", r.efficiency.utilisation}}},
           {"wall_s", r.wall_s}};
  return out.dump(2);
}

void print_report(std::ostream& os, const RunReport& r) {
  os << "\nTasks (policy: " << r.policy << ")\n";
  Table tasks(
      {"task", "kind", "round", "shard", "node", "priority", "state", "start_s", "end_s", "secs"});
  for (const auto& t : r.tasks) {
    const bool timed = t.started_at >= 0 && t.finished_at >= t.started_at;
    tasks.add({std::to_string(t.id), to_string(t.kind), std::to_string(t.round),
               t.shard >= 0 ? std::to_string(t.shard) : "-", t.node.empty() ? "-" : t.node,
               fixed(t.priority, 1), to_string(t.state), time_or_dash(t.started_at),
               time_or_dash(t.finished_at), timed ? fixed(t.finished_at - t.started_at, 2) : "-"});
  }
  tasks.print(os);

  os << "\nRounds (mode: " << r.mode << ", strategy: " << r.strategy << ")\n";
  Table rounds({"round", "version", "accuracy", "precision", "recall", "f1", "loss", "train_loss",
                "updates", "late", "dropped", "staleness", "seconds"});
  for (const auto& rr : r.rounds)
    rounds.add({std::to_string(rr.round), std::to_string(rr.version), fixed(rr.accuracy, 4),
                fixed(rr.precision, 4), fixed(rr.recall, 4), fixed(rr.f1, 4), fixed(rr.loss, 4),
                fixed(rr.train_loss, 4),
                std::to_string(rr.updates) +
                    (rr.failed ? "/" + std::to_string(rr.updates + rr.failed) : ""),
                std::to_string(rr.late), std::to_string(rr.dropped), fixed(rr.mean_staleness, 2),
                fixed(rr.seconds, 2)});
  rounds.print(os);

  os << "\nNodes\n";
  Table nodes({"node", "tasks", "busy_s", "utilisation"});
  for (const auto& n : r.nodes)
    nodes.add(
        {n.id, std::to_string(n.tasks), fixed(n.busy_s, 2), fixed(100.0 * n.utilisation, 1) + "%"});
  nodes.print(os);

  const auto& e = r.efficiency;
  os << "\nEfficiency: makespan " << fixed(e.makespan_s, 2) << " s, task completion mean "
     << fixed(e.mean_completion_s, 2) << " s, p95 " << fixed(e.p95_completion_s, 2)
     << " s, overall utilisation " << fixed(100.0 * e.utilisation, 1) << "%\n";
  const auto& m = r.final_metrics;
  os << "Final model: accuracy " << fixed(m.accuracy, 4) << ", precision " << fixed(m.precision, 4)
     << ", recall " << fixed(m.recall, 4) << ", F1 " << fixed(m.f1, 4) << " (wall "
     << fixed(r.wall_s, 1) << " s)\n";
  if (r.status != "ok") os << "Job FAILED: " << r.error << '\n';
}

void write_json(const RunReport& report, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + path + "'");
    out << to_json(report) << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write '" + path + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace troupe::runtime
