#include "runtime/scheduling/node_table.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

namespace troupe::runtime {

const char* to_string(Liveness state) {
  return state == Liveness::alive ? "alive" : "lost";
}

const NodeEntry& NodeTable::join(const std::string& id, const NodeResources& resources,
                                 DataPlacement data, double speed, Seconds now) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) {
    order_.push_back(id);
    it = nodes_.emplace(id, NodeEntry{}).first;
    it->second.id = id;
  }
  auto& n = it->second;
  n.resources = resources;
  n.data = data;
  n.speed = speed > 0.0 ? speed : 1.0;
  n.speed_given = speed > 0.0;
  // Measurements stay (the same node again), plans start afresh.
  for (auto& kept : n.throughput) kept.second.planned_speed = 0.0;
  n.state = Liveness::alive;
  n.joined_at = now;
  n.last_seen = now;
  n.lost_reason.clear();
  n.current_task = -1;
  ++n.incarnation;
  return n;
}

bool NodeTable::heartbeat(const std::string& id, const NodeUsage& usage, Seconds now) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.state == Liveness::lost) return false;
  auto& n = it->second;
  n.usage = usage;
  n.last_seen = now;
  if (n.history.size() >= kUsageHistory) {
    // Keep every other sample: the series keeps its span at half the resolution.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n.history.size(); i += 2) n.history[kept++] = n.history[i];
    n.history.resize(kept);
  }
  n.history.push_back(usage_point(now, usage));
  return true;
}

bool NodeTable::lose(const std::string& id, const std::string& reason) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.state == Liveness::lost) return false;
  it->second.state = Liveness::lost;
  it->second.lost_reason = reason;
  it->second.current_task = -1;
  return true;
}

std::vector<std::string> NodeTable::expire(Seconds now) {
  std::vector<std::string> lost;
  for (const auto& id : order_) {
    auto& n = nodes_.at(id);
    if (n.state == Liveness::alive && now - n.last_seen > timeout_) {
      n.state = Liveness::lost;
      n.lost_reason =
          "no heartbeat for " + std::to_string(static_cast<int>(now - n.last_seen)) + " s";
      n.current_task = -1;
      lost.push_back(id);
    }
  }
  return lost;
}

void NodeTable::set_current_task(const std::string& id, std::int64_t task) {
  auto it = nodes_.find(id);
  if (it != nodes_.end()) it->second.current_task = task;
}

std::string model_key(const JobSpec& job) {
  return job.train.model_sha256.empty() ? std::string("builtin:") + to_string(job.train.model)
                                        : "script:" + job.train.model_sha256;
}

void NodeTable::record_throughput(const std::string& id, const std::string& model,
                                  std::int64_t examples, Seconds seconds) {
  const auto it = nodes_.find(id);
  if (it == nodes_.end() || examples <= 0 || !(seconds > 0.0) || !std::isfinite(seconds)) return;
  auto& t = it->second.throughput[model];
  const double rate = static_cast<double>(examples) / seconds;
  t.examples_per_s =
      t.tasks == 0 ? rate
                   : kThroughputSmoothing * rate + (1.0 - kThroughputSmoothing) * t.examples_per_s;
  ++t.tasks;
}

double NodeTable::planning_speed(const std::string& id, const std::string& model) const {
  return planning_speed(id, model, mean_throughput(model));
}

double NodeTable::mean_throughput(const std::string& model) const {
  double sum = 0.0;
  int count = 0;
  for (const auto* other : alive()) {
    const auto t = other->throughput.find(model);
    if (t == other->throughput.end()) continue;
    sum += t->second.examples_per_s;
    ++count;
  }
  if (count == 0 || !(sum > 0.0)) return 0.0;
  return sum / count;
}

double NodeTable::planning_speed(const std::string& id, const std::string& model,
                                 double mean) const {
  const auto* n = find(id);
  if (!n) return 1.0;
  if (n->speed_given) return n->speed;
  const auto own = n->throughput.find(model);
  if (own == n->throughput.end()) return 1.0;
  if (!(mean > 0.0)) return 1.0;
  const double measured = std::clamp(own->second.examples_per_s / mean, 1.0 / 20.0, 20.0);
  // Sticky, also across the band's edges: a node measured about 2x the mean,
  // now a little over and now a little under, keeps one plan. Planned inside
  // the band, it leaves only beyond the band widened by kSpeedBandMargin;
  // planned outside, it enters only the band narrowed by it. So a node
  // planned as 1 is at most 2.5x off the mean.
  auto within = [](double x, double bound) { return x > 1.0 / bound && x < bound; };
  double& planned = own->second.planned_speed;
  const bool keep =
      planned > 0.0 && measured <= planned * kSpeedReplanFactor &&
      measured >= planned / kSpeedReplanFactor &&
      (within(planned, kSpeedNoiseBand) ? within(measured, kSpeedNoiseBand * kSpeedBandMargin)
                                        : !within(measured, kSpeedNoiseBand / kSpeedBandMargin));
  if (!keep) planned = measured;
  return within(planned, kSpeedNoiseBand) ? 1.0 : planned;
}

const NodeEntry* NodeTable::find(const std::string& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<const NodeEntry*> NodeTable::alive() const {
  std::vector<const NodeEntry*> out;
  for (const auto& id : order_) {
    const auto& n = nodes_.at(id);
    if (n.state == Liveness::alive) out.push_back(&n);
  }
  return out;
}

std::vector<const NodeEntry*> NodeTable::all() const {
  std::vector<const NodeEntry*> out;
  for (const auto& id : order_) out.push_back(&nodes_.at(id));
  return out;
}

std::size_t NodeTable::alive_count() const {
  // Counted in place: the scheduler asks at every registration.
  return static_cast<std::size_t>(std::count_if(nodes_.begin(), nodes_.end(), [](const auto& n) {
    return n.second.state == Liveness::alive;
  }));
}

UsagePoint usage_point(double t, const NodeUsage& usage) {
  UsagePoint p;
  p.t = t;
  p.cpu = usage.cpu_utilisation;
  p.rss = usage.rss;
  p.memory_available = usage.memory_available;
  p.disk_free = usage.disk_free;
  double util = 0.0;
  int known = 0;
  for (const auto& g : usage.gpus) {
    p.gpu_memory_used += g.memory_used;
    if (g.utilisation >= 0.0) {
      util += g.utilisation;
      ++known;
    }
  }
  p.gpu = known > 0 ? util / known : -1.0;
  p.bytes_sent = usage.bytes_sent;
  p.bytes_received = usage.bytes_received;
  return p;
}

namespace {

/// Growth of a cumulative counter over `values`; a drop (restart) starts from zero.
std::uint64_t growth(const std::vector<std::uint64_t>& values) {
  std::uint64_t total = 0;
  for (std::size_t i = 1; i < values.size(); ++i)
    total += values[i] >= values[i - 1] ? values[i] - values[i - 1] : values[i];
  return total;
}

}  // namespace

void add_node_usage(RunReport& report, const NodeTable& table, Seconds from, Seconds to) {
  // Records by id, not a search of report.nodes per node: that grew with
  // the square of the nodes.
  std::map<std::string, std::size_t> record_of;
  for (std::size_t i = 0; i < report.nodes.size(); ++i) record_of.emplace(report.nodes[i].id, i);
  for (const auto* entry : table.all()) {
    auto [at, added] = record_of.emplace(entry->id, report.nodes.size());
    if (added) {
      report.nodes.push_back(NodeRecord{});
      report.nodes.back().id = entry->id;
    }
    auto it = report.nodes.begin() + static_cast<std::ptrdiff_t>(at->second);
    std::vector<std::uint64_t> sent, received;
    // The last sample before the window is the baseline of the counters.
    const UsagePoint* before = nullptr;
    for (const auto& p : entry->history) {
      if (p.t < from) {
        before = &p;
        continue;
      }
      if (p.t > to) break;
      UsagePoint q = p;
      q.t = p.t - from;
      it->usage.push_back(q);
    }
    if (before) {
      sent.push_back(before->bytes_sent);
      received.push_back(before->bytes_received);
    } else {
      sent.push_back(0);  // first heartbeat in the window: the process began in it
      received.push_back(0);
    }
    for (const auto& q : it->usage) {
      sent.push_back(q.bytes_sent);
      received.push_back(q.bytes_received);
    }
    it->bytes_sent = growth(sent);
    it->bytes_received = growth(received);
    it->transfer_rate = entry->usage.transfer_rate;
  }
}

void record_lost_straggler(NodeTable& table, const std::string& model, const TaskTracker& tasks,
                           std::int64_t id, Seconds computing_at) {
  const auto& t = tasks.get(id);
  if (t.kind != TaskKind::train || t.backup_of >= 0 || t.state != TaskState::failed ||
      t.started_at < 0.0)
    return;
  bool lost_to_backup = false;
  for (const auto& other : tasks.tasks())
    if (other.backup_of == id && other.state == TaskState::done) lost_to_backup = true;
  const double since = computing_at >= 0.0 ? computing_at : t.started_at;
  const double elapsed = t.finished_at - since;
  if (!lost_to_backup || !(elapsed > 0.0) || !(t.demand > 0.0)) return;
  table.record_throughput(t.node, model, static_cast<std::int64_t>(t.demand), elapsed);
}

}  // namespace troupe::runtime
