#include "report/schedule_report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "runtime/core/report.hpp"

namespace troupe::runtime {
namespace {

const char* state_name(RunState s) {
  // Indexed by the enumerators' values, in declaration order from 0.
  static constexpr const char* kNames[] = {"queued", "assigned", "running", "done", "failed"};
  const auto i = static_cast<std::size_t>(s);
  return i < std::size(kNames) ? kNames[i] : "?";
}

/// Fills the per-node records and the summary figures from the tasks.
void summarise_schedule(ScheduleReport& r) {
  std::unordered_map<std::string, std::size_t> node_of;
  for (std::size_t n = 0; n < r.nodes.size(); ++n) node_of.emplace(r.nodes[n].id, n);
  double first = -1.0, last = -1.0, cpu_seconds = 0.0, capacity = 0.0;
  std::vector<double> completions;
  for (auto& t : r.tasks) {
    if (t.state == "done") {
      ++r.done;
      completions.push_back(t.end_s - t.queued_s);
    } else if (t.state == "failed") {
      ++r.failed;
    } else {
      ++r.unplaced;
    }
    if (t.deadline &&
        (t.deadline_missed || (t.end_s >= 0 && t.end_s > *t.deadline) || t.state != "done")) {
      t.deadline_missed = true;
      ++r.deadline_misses;
    }
    if (t.start_s < 0 || t.end_s < t.start_s || t.state != "done") continue;
    first = first < 0 ? t.start_s : std::min(first, t.start_s);
    last = std::max(last, t.end_s);
    const auto it = node_of.find(t.node);
    if (it == node_of.end()) continue;
    auto& node = r.nodes[it->second];
    ++node.tasks;
    node.busy_s += t.end_s - t.start_s;
    cpu_seconds += (t.end_s - t.start_s) * t.cpu;
  }
  r.makespan_s = first >= 0 ? last - first : 0.0;
  for (double c : completions) r.mean_completion_s += c / static_cast<double>(completions.size());
  r.p95_completion_s = percentile(completions, 95.0);
  std::vector<double> node_cpu_seconds(r.nodes.size(), 0.0);
  for (const auto& t : r.tasks)
    if (t.state == "done" && t.start_s >= 0)
      if (const auto it = node_of.find(t.node); it != node_of.end())
        node_cpu_seconds[it->second] += (t.end_s - t.start_s) * t.cpu;
  for (std::size_t n = 0; n < r.nodes.size(); ++n) {
    auto& node = r.nodes[n];
    capacity += node.capacity_cpu;
    node.utilisation = node.capacity_cpu > 0 && r.makespan_s > 0
                           ? node_cpu_seconds[n] / (node.capacity_cpu * r.makespan_s)
                           : 0.0;
  }
  r.utilisation = capacity > 0 && r.makespan_s > 0 ? cpu_seconds / (capacity * r.makespan_s) : 0.0;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

void print_table(std::ostream& os, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t c = 0; c < rows[i].size(); ++c)
      os << (c ? "  " : "") << std::setw(static_cast<int>(width[c])) << rows[i][c];
    os << '\n';
    if (i == 0) {
      std::size_t total = 0;
      for (auto w : width) total += w + 2;
      os << std::string(total - 2, '-') << '\n';
    }
  }
}

}  // namespace

ScheduleReport report_allocation(const AllocationRequest& request, const Allocation& allocation,
                                 const std::string& policy) {
  ScheduleReport r;
  r.policy = policy;
  for (const auto& n : request.nodes) r.nodes.push_back({n.id, 0, 0.0, n.capacity[0], 0.0});
  for (std::size_t t = 0; t < request.tasks.size(); ++t) {
    const auto& task = request.tasks[t];
    ScheduledTask s;
    s.id = task.task_id;
    s.priority = task.priority;
    s.cpu = task.demand[0];
    s.queued_s = 0.0;
    s.deadline = task.deadline;
    const int node = t < allocation.node_of_task.size() ? allocation.node_of_task[t] : -1;
    if (node >= 0) {
      const auto& n = request.nodes[static_cast<std::size_t>(node)];
      s.node = n.id;
      s.priority = request.value(t, static_cast<std::size_t>(node));
      s.cpu = request.demand(t, static_cast<std::size_t>(node))[0];
      s.start_s = 0.0;
      s.end_s = task.work / (n.speed > 0 ? n.speed : 1.0);
      s.state = "done";
      s.attempts = 1;
    } else {
      s.state = "unplaced";
    }
    r.tasks.push_back(std::move(s));
  }
  summarise_schedule(r);
  r.objective = allocation.objective;
  r.bound = allocation.bound;
  r.proved_optimal = allocation.proved_optimal;
  return r;
}

ScheduleReport report_simulation(const Workload& workload, const SimulationResult& result,
                                 const std::string& policy) {
  ScheduleReport r;
  r.policy = policy;
  r.events = result.events;
  for (const auto& n : result.nodes)
    r.nodes.push_back({n.node.id, 0, 0.0, n.node.capacity[0], 0.0});
  for (const auto& rec : result.tasks) {
    ScheduledTask s;
    s.id = rec.task.task_id;
    s.priority = rec.task.priority;
    s.cpu = rec.task.demand[0];
    s.queued_s = rec.queued_at;
    s.start_s = rec.started_at;
    s.end_s = rec.finished_at;
    s.state = state_name(rec.state);
    s.attempts = rec.attempts;
    s.deadline_missed = rec.deadline_missed;
    if (rec.node >= 0) s.node = result.nodes[static_cast<std::size_t>(rec.node)].node.id;
    if (rec.state != RunState::done) s.start_s = rec.state == RunState::failed ? s.start_s : -1.0;
    r.tasks.push_back(std::move(s));
  }
  // The workload's deadlines (the scheduler drops one after a reassignment).
  std::unordered_map<std::int64_t, std::optional<double>> deadline;
  for (const auto& t : workload.tasks) deadline.emplace(t.task.task_id, t.task.deadline);
  for (auto& t : r.tasks)
    if (const auto it = deadline.find(t.id); it != deadline.end()) t.deadline = it->second;
  summarise_schedule(r);
  for (const auto& t : r.tasks)
    if (t.state == "done") r.objective += t.priority;
  return r;
}

void print_schedule(std::ostream& os, const ScheduleReport& r, std::size_t max_task_rows) {
  os << "\nTasks (policy: " << r.policy << ")\n";
  std::vector<std::vector<std::string>> rows{
      {"task", "node", "priority", "state", "runs", "queued_s", "start_s", "end_s", "deadline"}};
  for (std::size_t i = 0; i < r.tasks.size() && i < max_task_rows; ++i) {
    const auto& t = r.tasks[i];
    rows.push_back(
        {std::to_string(t.id), t.node.empty() ? "-" : t.node, fixed(t.priority, 1), t.state,
         std::to_string(t.attempts), fixed(t.queued_s, 2),
         t.start_s >= 0 ? fixed(t.start_s, 2) : "-", t.end_s >= 0 ? fixed(t.end_s, 2) : "-",
         t.deadline ? fixed(*t.deadline, 2) + (t.deadline_missed ? " MISSED" : "") : "-"});
  }
  print_table(os, rows);
  if (r.tasks.size() > max_task_rows)
    os << "... " << r.tasks.size() - max_task_rows << " more tasks (all in the JSON report)\n";
  os << "\nNodes\n";
  std::vector<std::vector<std::string>> nodes{{"node", "tasks", "busy_s", "utilisation"}};
  for (std::size_t i = 0; i < r.nodes.size() && i < max_task_rows; ++i) {
    const auto& n = r.nodes[i];
    nodes.push_back(
        {n.id, std::to_string(n.tasks), fixed(n.busy_s, 2), fixed(100.0 * n.utilisation, 1) + "%"});
  }
  print_table(os, nodes);
  if (r.nodes.size() > max_task_rows)
    os << "... " << r.nodes.size() - max_task_rows << " more nodes\n";
  os << "\nEfficiency: makespan " << fixed(r.makespan_s, 2) << " s, completion mean "
     << fixed(r.mean_completion_s, 2) << " s, p95 " << fixed(r.p95_completion_s, 2)
     << " s, utilisation " << fixed(100.0 * r.utilisation, 1) << "%\n"
     << "Tasks: " << r.done << " done, " << r.failed << " failed, " << r.unplaced
     << " unplaced; deadline misses " << r.deadline_misses << "; objective "
     << fixed(r.objective, 2);
  if (r.bound)
    os << " (bound " << fixed(*r.bound, 2) << (r.proved_optimal ? ", optimal" : "") << ")";
  os << '\n';
  if (r.events) os << "Simulated " << r.events << " events";
  if (r.wall_s > 0) os << (r.events ? " in " : "Computed in ") << fixed(r.wall_s * 1e3, 1) << " ms";
  if (r.events || r.wall_s > 0) os << '\n';
}

std::string schedule_json(const ScheduleReport& r) {
  using nlohmann::json;
  const auto time = [](double s) { return s < 0 ? json(nullptr) : json(s); };
  json tasks = json::array();
  for (const auto& t : r.tasks)
    tasks.push_back({{"id", t.id},
                     {"node", t.node},
                     {"priority", t.priority},
                     {"state", t.state},
                     {"attempts", t.attempts},
                     {"queued_s", time(t.queued_s)},
                     {"start_s", time(t.start_s)},
                     {"end_s", time(t.end_s)},
                     {"deadline_s", t.deadline ? json(*t.deadline) : json(nullptr)},
                     {"deadline_missed", t.deadline_missed}});
  json nodes = json::array();
  for (const auto& n : r.nodes)
    nodes.push_back(
        {{"id", n.id}, {"tasks", n.tasks}, {"busy_s", n.busy_s}, {"utilisation", n.utilisation}});
  json out{{"policy", r.policy},
           {"source", r.source},
           {"tasks", tasks},
           {"nodes", nodes},
           {"efficiency",
            {{"makespan_s", r.makespan_s},
             {"mean_completion_s", r.mean_completion_s},
             {"p95_completion_s", r.p95_completion_s},
             {"utilisation", r.utilisation},
             {"deadline_misses", r.deadline_misses},
             {"objective", r.objective},
             {"bound", r.bound ? json(*r.bound) : json(nullptr)},
             {"proved_optimal", r.proved_optimal},
             {"done", r.done},
             {"failed", r.failed},
             {"unplaced", r.unplaced}}},
           {"events", r.events},
           {"wall_s", r.wall_s}};
  return out.dump(2);
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + path + "'");
    out << text << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write '" + path + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace troupe::runtime
