#include "runtime/core/report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace troupe::runtime {

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
  // A set, not a search of `order` per node: that grew with the square of the nodes.
  const std::set<std::string> listed(node_ids.begin(), node_ids.end());
  for (const auto& [id, rec] : by_node)
    if (!listed.count(id)) order.push_back(id);
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

}  // namespace troupe::runtime
