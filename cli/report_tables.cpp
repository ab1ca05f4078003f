#include "cli/report_tables.hpp"

#include "report/privacy_text.hpp"
#include "report/secure_sum_text.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace troupe::runtime {
namespace {

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

/// --eval federated|both: each round's weighted metrics over the nodes'
/// held-out examples, then each node's latest evaluation.
void print_federated(std::ostream& os, const RunReport& r) {
  std::vector<FederatedRecord> records;
  for (const auto& rr : r.rounds)
    if (rr.federated.present()) records.push_back(rr.federated);
  if (records.empty()) return;
  os << "\nFederated evaluation (each node on its held-out examples, weighted by their count)\n";
  Table rounds(
      {"round", "accuracy", "precision", "recall", "f1", "loss", "examples", "nodes", "failed"});
  for (const auto& rr : r.rounds) {
    const auto& f = rr.federated;
    if (!f.present()) continue;
    std::string failed;
    for (const auto& n : f.per_node)
      if (!n.error.empty()) failed += (failed.empty() ? "" : ",") + n.node;
    rounds.add({std::to_string(rr.round), fixed(f.accuracy, 4), fixed(f.precision, 4),
                fixed(f.recall, 4), fixed(f.f1, 4), fixed(f.loss, 4), std::to_string(f.examples),
                std::to_string(f.nodes) + "/" + std::to_string(f.per_node.size()),
                failed.empty() ? "-" : failed});
  }
  rounds.print(os);
  os << "\nNode metrics (latest evaluation on each node's held-out examples)\n";
  Table nodes({"node", "round", "examples", "accuracy", "f1", "loss", "error"});
  for (const auto& e : latest_node_evaluations(records))
    nodes.add({e.node, std::to_string(e.round), std::to_string(e.examples), fixed(e.accuracy, 4),
               fixed(e.f1, 4), fixed(e.loss, 4), e.error.empty() ? "-" : e.error});
  nodes.print(os);
}

}  // namespace

std::string provenance_line(const Provenance& p) {
  std::string hosts;
  for (const auto& h : p.hosts) hosts += (hosts.empty() ? "" : ", ") + h;
  std::string line = "troupe " + (p.troupe_version.empty() ? "?" : p.troupe_version) +
                     ", started " + (p.started_utc.empty() ? "?" : p.started_utc) + " on " +
                     (hosts.empty() ? "?" : hosts);
  if (!p.job_file.empty()) line += ", job file " + p.job_file;
  return line;
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
  os << secure_sum_lines(r);
  os << privacy_lines(r.privacy);
  print_federated(os, r);

  os << "\nNodes\n";
  Table nodes({"node", "tasks", "busy_s", "utilisation"});
  for (const auto& n : r.nodes)
    nodes.add(
        {n.id, std::to_string(n.tasks), fixed(n.busy_s, 2), fixed(100.0 * n.utilisation, 1) + "%"});
  nodes.print(os);
  if (!r.node_data.empty()) {
    os << "\nNode data (FedAvg weighs each node's updates by its examples)\n";
    Table data({"node", "shard", "examples", "examples per label", "source"});
    for (const auto& d : r.node_data) {
      std::string histogram;
      for (std::size_t i = 0; i < d.label_histogram.size(); ++i)
        histogram += (i ? " " : "") + std::to_string(d.label_histogram[i]);
      data.add({d.node, std::to_string(d.shard), std::to_string(d.examples), histogram, d.source});
    }
    data.print(os);
  }

  const auto& e = r.efficiency;
  os << "\nEfficiency: makespan " << fixed(e.makespan_s, 2) << " s, task completion mean "
     << fixed(e.mean_completion_s, 2) << " s, p95 " << fixed(e.p95_completion_s, 2)
     << " s, overall utilisation " << fixed(100.0 * e.utilisation, 1) << "%\n";
  const auto& m = r.final_metrics;
  os << "Final model: accuracy " << fixed(m.accuracy, 4) << ", precision " << fixed(m.precision, 4)
     << ", recall " << fixed(m.recall, 4) << ", F1 " << fixed(m.f1, 4) << " (wall "
     << fixed(r.wall_s, 1) << " s)\n";
  if (r.clock.is_virtual()) {
    int stragglers = 0;
    for (const auto& d : r.clock.devices) stragglers += d.straggler ? 1 : 0;
    os << "Clock: VIRTUAL (device profile " << r.clock.device_profile << ", " << stragglers
       << " of " << r.clock.devices.size()
       << " nodes stragglers): every time above is virtual seconds; the run took "
       << fixed(r.clock.real_s, 1) << " s of real time\n";
  }
  os << "Provenance: " << provenance_line(r.provenance) << '\n';
  const auto& c = r.checkpoints;
  if (c.written + c.failed > 0) {
    os << "Checkpoints: " << c.written << " written";
    if (c.written > 0) os << " (newest after round " << c.last_written_round << ")";
    if (c.failed > 0) os << ", " << c.failed << " FAILED (latest " << c.last_error << ")";
    os << '\n';
  }
  if (r.status == runtime::RunStatus::degraded)
    os << "Job DEGRADED: " << r.error << '\n';
  else if (r.status == runtime::RunStatus::refused)
    os << "Job REFUSED: " << r.error << '\n';
  else if (r.status == runtime::RunStatus::cancelled)
    os << "Job CANCELLED: " << r.error << '\n';
  else if (r.status != runtime::RunStatus::ok)
    os << "Job FAILED: " << r.error << '\n';
}

}  // namespace troupe::runtime
