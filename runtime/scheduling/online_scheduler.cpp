#include "runtime/scheduling/online_scheduler.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace troupe::runtime {
namespace {

constexpr double kNoDeadline = std::numeric_limits<double>::infinity();
/// Nodes a scan may look at per candidate node wanted (see SchedulerOptions).
constexpr std::size_t kScanPerCandidate = 4;
/// A demand beyond any node's capacity.
constexpr double kNeverFits = 1e30;

}  // namespace

bool OnlineScheduler::QueueKey::operator<(const QueueKey& o) const {
  return std::tie(first, second, seq) < std::tie(o.first, o.second, o.seq);
}

OnlineScheduler::OnlineScheduler(const Allocator& policy, SchedulerOptions options)
    : policy_(policy), options_(options) {
  if (options_.window == 0) options_.window = 1;
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

bool OnlineScheduler::node_joined(const NodeCapacity& node, double now) {
  if (auto it = node_index_.find(node.id); it != node_index_.end()) {
    auto& slot = nodes_[it->second];
    if (slot.alive) return false;
    // A lost node back: its old reservations were released when it was lost.
    slot = NodeSlot{node, node.capacity, now, true, 0};
  } else {
    node_index_.emplace(node.id, nodes_.size());
    nodes_.push_back(NodeSlot{node, node.capacity, now, true, 0});
    freed_mark_.push_back(0);
  }
  window_changed_ = true;
  dirty_ = true;
  return true;
}

bool OnlineScheduler::node_left(const std::string& id, double now) {
  const auto it = node_index_.find(id);
  if (it == node_index_.end() || !nodes_[it->second].alive) return false;
  lose_node(it->second, now);
  return true;
}

bool OnlineScheduler::heartbeat(const std::string& id, double now) {
  const auto it = node_index_.find(id);
  if (it == node_index_.end() || !nodes_[it->second].alive) return false;
  nodes_[it->second].last_seen = now;
  return true;
}

bool OnlineScheduler::task_arrived(const TaskDemand& task, double now) {
  if (task_index_.count(task.task_id)) return false;
  const std::size_t t = tasks_.size();
  task_index_.emplace(task.task_id, t);
  tasks_.push_back(TaskRecord{task, RunState::queued, -1, 0, 0, now, -1.0, -1.0, false, -1});
  queue_pos_.push_back(queue_.end());
  ++open_;
  enqueue(t, now);
  return true;
}

TaskRecord* OnlineScheduler::run_of(std::int64_t id, int attempt) {
  const auto it = task_index_.find(id);
  if (it == task_index_.end()) return nullptr;
  auto& r = tasks_[it->second];
  if (r.attempts != attempt || (r.state != RunState::assigned && r.state != RunState::running))
    return nullptr;
  return &r;
}

bool OnlineScheduler::task_started(std::int64_t id, int attempt, double now) {
  auto* r = run_of(id, attempt);
  if (!r || r->state != RunState::assigned) return false;
  r->state = RunState::running;
  r->started_at = now;
  if (r->task.deadline) deadlines_.emplace(*r->task.deadline, task_index_[id]);
  return true;
}

bool OnlineScheduler::task_completed(std::int64_t id, int attempt, double now) {
  auto* r = run_of(id, attempt);
  if (!r) return false;
  const std::size_t t = task_index_[id];
  if (r->state == RunState::assigned) r->started_at = now;  // start never reported
  release(t);
  r->state = RunState::done;
  r->finished_at = now;
  if (r->task.deadline && now > *r->task.deadline) r->deadline_missed = true;
  --open_;
  return true;
}

bool OnlineScheduler::task_failed(std::int64_t id, int attempt, double now) {
  if (!run_of(id, attempt)) return false;
  const std::size_t t = task_index_[id];
  tasks_[t].failed_on = tasks_[t].node;
  release(t);
  requeue_or_drop(t, now);
  return true;
}

void OnlineScheduler::enqueue(std::size_t t, double now) {
  auto& r = tasks_[t];
  r.state = RunState::queued;
  r.node = -1;
  r.queued_at = r.queued_at < 0 ? now : r.queued_at;
  const double deadline = r.task.deadline ? *r.task.deadline : kNoDeadline;
  QueueKey key{-r.task.priority, deadline, seq_++, t};
  if (options_.order == QueueOrder::deadline) key = {deadline, -r.task.priority, key.seq, t};
  if (options_.order == QueueOrder::fifo) key = {r.queued_at, 0.0, key.seq, t};
  queue_pos_[t] = queue_.insert(key).first;
  if (queue_.size() <= options_.window || !window_last_ || key < *window_last_)
    window_changed_ = true;
  dirty_ = true;
}

void OnlineScheduler::release(std::size_t t) {
  auto& r = tasks_[t];
  if (r.task.deadline) deadlines_.erase({*r.task.deadline, t});
  if (r.node < 0) return;
  auto& slot = nodes_[static_cast<std::size_t>(r.node)];
  if (slot.alive) {
    add(slot.free, r.task.demand);
    --slot.running;
    --in_flight_;
    mark_freed(static_cast<std::size_t>(r.node));
  }
  dirty_ = true;
}

void OnlineScheduler::requeue_or_drop(std::size_t t, double now) {
  auto& r = tasks_[t];
  if (++r.failures >= options_.max_attempts) {
    r.state = RunState::failed;
    r.finished_at = now;
    --open_;
    out_.push_back({Decision::Kind::drop, r.task.task_id, {}, r.attempts});
    return;
  }
  enqueue(t, now);
}

void OnlineScheduler::lose_node(std::size_t n, double now) {
  auto& slot = nodes_[n];
  slot.alive = false;
  in_flight_ -= static_cast<std::size_t>(slot.running);
  slot.running = 0;
  // Its tasks are re-queued without counting against their attempts: the node
  // failed, not the task.
  for (std::size_t t = 0; t < tasks_.size(); ++t) {
    auto& r = tasks_[t];
    if (r.node != static_cast<int>(n) ||
        (r.state != RunState::assigned && r.state != RunState::running))
      continue;
    if (r.task.deadline) deadlines_.erase({*r.task.deadline, t});
    enqueue(t, now);
  }
}

void OnlineScheduler::check_deadlines(double now) {
  if (options_.heartbeat_timeout_s > 0)
    for (std::size_t n = 0; n < nodes_.size(); ++n)
      if (nodes_[n].alive && now - nodes_[n].last_seen > options_.heartbeat_timeout_s)
        lose_node(n, now);
  while (!deadlines_.empty() && deadlines_.begin()->first < now) {
    const std::size_t t = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto& r = tasks_[t];
    r.deadline_missed = true;
    if (!options_.reassign_on_deadline_miss) continue;
    const std::string node = nodes_[static_cast<std::size_t>(r.node)].node.id;
    out_.push_back({Decision::Kind::cancel, r.task.task_id, node, r.attempts});
    r.task.deadline.reset();  // reassigned once; it is late anyway
    release(t);
    enqueue(t, now);
  }
}

void OnlineScheduler::place() {
  AllocationOptions alloc_options;
  alloc_options.time_limit_s = 0.1;
  while (dirty_ && !queue_.empty()) {
    dirty_ = false;
    // The window: the first tasks of the queue, and the smallest demand among them.
    request_.tasks.clear();
    request_tasks_.clear();
    Resources smallest;
    smallest.fill(std::numeric_limits<double>::infinity());
    for (auto it = queue_.begin(); it != queue_.end() && request_tasks_.size() < options_.window;
         ++it) {
      request_tasks_.push_back(it->task);
      request_.tasks.push_back(tasks_[it->task].task);
      for (std::size_t k = 0; k < kResourceKinds; ++k)
        smallest[k] = std::min(smallest[k], tasks_[it->task].task.demand[k]);
    }
    window_last_ =
        queue_.empty() ? std::nullopt : std::optional<QueueKey>(*queue_pos_[request_tasks_.back()]);
    collect_candidates(smallest);
    if (request_.nodes.empty()) return;
    avoid_failed_nodes();
    request_.options = alloc_options;
    const auto allocation = policy_.allocate(request_);
    if (!check_allocation(request_, allocation).empty()) return;  // a broken policy places nothing
    for (std::size_t i = 0; i < request_tasks_.size(); ++i) {
      const int k = allocation.node_of_task[i];
      if (k == Allocation::kUnplaced) continue;
      const std::size_t t = request_tasks_[i];
      const std::size_t n = request_nodes_[static_cast<std::size_t>(k)];
      auto& r = tasks_[t];
      queue_.erase(queue_pos_[t]);
      queue_pos_[t] = queue_.end();
      r.state = RunState::assigned;
      r.node = static_cast<int>(n);
      ++r.attempts;
      subtract(nodes_[n].free, r.task.demand);
      ++nodes_[n].running;
      ++in_flight_;
      out_.push_back({Decision::Kind::assign, r.task.task_id, nodes_[n].node.id, r.attempts});
      dirty_ = true;  // placed something: the next window may fit too
      window_changed_ = true;
    }
  }
}

void OnlineScheduler::avoid_failed_nodes() {
  request_.pair_value.clear();
  request_.pair_demand.clear();
  // A task is kept off the node its latest run failed on only when another
  // offered node has room for it now; else it may go back there (waiting
  // could leave it unplaced when the caller needs a placement now).
  const auto avoids = [&](const TaskRecord& r) -> int {
    if (r.failed_on < 0) return -1;
    bool failed_node_offered = false, elsewhere = false;
    for (std::size_t n : request_nodes_) {
      if (static_cast<int>(n) == r.failed_on)
        failed_node_offered = true;
      else
        elsewhere = elsewhere || fits(r.task.demand, nodes_[n].free);
    }
    return failed_node_offered && elsewhere ? r.failed_on : -1;
  };
  bool any = false;
  for (std::size_t t : request_tasks_) any = any || avoids(tasks_[t]) >= 0;
  if (!any) return;
  // A retry on the node it just failed on would most likely fail again (a
  // node whose updates are refused, or that cannot run the task): that pair
  // gets a demand no node can hold (finite, so that no policy's arithmetic
  // meets an infinity), and the policy places it elsewhere.
  const std::size_t nodes = request_nodes_.size();
  request_.pair_value.resize(request_tasks_.size() * nodes);
  request_.pair_demand.resize(request_tasks_.size() * nodes);
  Resources never;
  never.fill(kNeverFits);
  for (std::size_t i = 0; i < request_tasks_.size(); ++i) {
    const auto& r = tasks_[request_tasks_[i]];
    const int avoid = avoids(r);
    for (std::size_t k = 0; k < nodes; ++k) {
      request_.pair_value[i * nodes + k] = r.task.priority;
      request_.pair_demand[i * nodes + k] =
          static_cast<int>(request_nodes_[k]) == avoid ? never : r.task.demand;
    }
  }
}

void OnlineScheduler::mark_freed(std::size_t n) {
  if (freed_mark_[n]) return;
  freed_mark_[n] = 1;
  freed_nodes_.push_back(n);
}

void OnlineScheduler::offer(std::size_t n, const Resources& smallest) {
  if (!nodes_[n].alive || !nodes_[n].node.available() || !fits(smallest, nodes_[n].free)) return;
  request_nodes_.push_back(n);
  NodeCapacity view = nodes_[n].node;
  view.capacity = nodes_[n].free;
  request_.nodes.push_back(std::move(view));
}

void OnlineScheduler::collect_candidates(const Resources& smallest) {
  request_.nodes.clear();
  request_nodes_.clear();
  const std::size_t limit = options_.candidate_nodes ? options_.candidate_nodes : nodes_.size();
  if (window_changed_) {
    // New tasks in the window: scan on from where the last scan stopped. The
    // scan is bounded; nodes it skips are reached by later scans, and runs in
    // flight guarantee later rounds. With nothing in flight, no later round
    // would come, so then it scans every node.
    const std::size_t budget =
        in_flight_ == 0 ? nodes_.size() : std::min(nodes_.size(), kScanPerCandidate * limit);
    std::size_t i = 0;
    for (; i < budget && request_nodes_.size() < limit; ++i)
      offer((next_node_ + i) % nodes_.size(), smallest);
    next_node_ = nodes_.empty() ? 0 : (next_node_ + i) % nodes_.size();
  } else {
    for (std::size_t n : freed_nodes_)
      if (request_nodes_.size() < limit) offer(n, smallest);
  }
  for (std::size_t n : freed_nodes_) freed_mark_[n] = 0;
  freed_nodes_.clear();
  window_changed_ = false;
}

std::vector<Decision> OnlineScheduler::decide(double now) {
  check_deadlines(now);
  place();
  std::vector<Decision> out;
  out.swap(out_);
  return out;
}

}  // namespace troupe::runtime
