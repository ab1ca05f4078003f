#include "runtime/scheduling/async_job.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace troupe::runtime {

AsyncJob::AsyncJob(JobSpec job, std::vector<std::int64_t> shard_sizes, std::int64_t test_size,
                   std::vector<NodeInfo> nodes)
    : job_(std::move(job)),
      shard_sizes_(std::move(shard_sizes)),
      test_size_(test_size),
      shard_last_started_(shard_sizes_.size(), -std::numeric_limits<double>::infinity()) {
  if (shard_sizes_.empty()) throw std::invalid_argument("AsyncJob needs at least one shard");
  if (nodes.empty()) throw std::invalid_argument("AsyncJob needs at least one node");
  set_nodes(std::move(nodes));
}

void AsyncJob::set_nodes(std::vector<NodeInfo> nodes) {
  nodes_ = std::move(nodes);
}

bool AsyncJob::usable(const std::string& node) const {
  auto it = failures_.find(node);
  return it == failures_.end() || it->second < kMaxConsecutiveFailures;
}

bool AsyncJob::idle(const std::string& node) const {
  return busy_.count(node) == 0;
}

std::int64_t AsyncJob::target() const {
  return static_cast<std::int64_t>(job_.rounds) * static_cast<std::int64_t>(job_.nodes);
}

int AsyncJob::in_flight() const {
  return static_cast<int>(busy_.size() + restarts_.size());
}

int AsyncJob::pick_shard(const NodeInfo& node) const {
  if (node.pinned_shard >= 0) {
    if (static_cast<std::size_t>(node.pinned_shard) >= shard_sizes_.size()) return -1;
    return shards_in_flight_.count(node.pinned_shard) ? -1 : node.pinned_shard;
  }
  // Shards pinned to a usable node are that node's.
  std::set<int> owned;
  for (const auto& n : nodes_)
    if (n.pinned_shard >= 0 && usable(n.id)) owned.insert(n.pinned_shard);
  int best = -1;
  for (std::size_t s = 0; s < shard_sizes_.size(); ++s) {
    const int shard = static_cast<int>(s);
    if (shards_in_flight_.count(shard) || owned.count(shard)) continue;
    if (best < 0 || shard_last_started_[s] < shard_last_started_[static_cast<std::size_t>(best)])
      best = shard;
  }
  return best;
}

void AsyncJob::restart_in_flight(Seconds now, std::vector<std::int64_t>& started) {
  // Pinned shards stay with their node; otherwise the node that ran the task
  // before, else the first idle usable node.
  auto fits = [&](const NodeInfo& n, int shard) {
    return idle(n.id) && usable(n.id) && (n.pinned_shard < 0 || n.pinned_shard == shard);
  };
  for (auto it = restarts_.begin(); it != restarts_.end();) {
    const NodeInfo* chosen = nullptr;
    for (const auto& n : nodes_)
      if (fits(n, it->shard) && (!chosen || n.id == it->node)) chosen = &n;
    if (!chosen) {
      ++it;
      continue;
    }
    Task t;
    t.id = it->id;
    t.kind = TaskKind::train;
    t.round = it->round;
    t.shard = it->shard;
    t.priority = 1.0;
    t.demand = static_cast<double>(shard_sizes_[static_cast<std::size_t>(it->shard)]) *
               std::max(1, job_.train.local_epochs);
    t.seed = it->seed;
    t.base_version = it->base_version;
    tracker_.add(std::move(t), now);
    tracker_.assign(it->id, chosen->id, now);
    busy_[chosen->id] = it->id;
    started.push_back(it->id);
    it = restarts_.erase(it);
  }
}

std::vector<std::int64_t> AsyncJob::fill(Seconds now, std::int64_t version) {
  std::vector<std::int64_t> started;
  if (finished()) return started;
  restart_in_flight(now, started);
  auto training = static_cast<std::int64_t>(restarts_.size());
  for (const auto& [node, id] : busy_)
    if (tracker_.get(id).kind == TaskKind::train) ++training;
  for (const auto& n : nodes_) {
    if (accepted_ + training >= target()) break;
    if (!idle(n.id) || !usable(n.id)) continue;
    const int shard = pick_shard(n);
    if (shard < 0) continue;
    Task t;
    t.id = next_id_++;
    t.kind = TaskKind::train;
    t.round = round() + 1;
    t.shard = shard;
    t.priority = 1.0;
    t.demand = static_cast<double>(shard_sizes_[static_cast<std::size_t>(shard)]) *
               std::max(1, job_.train.local_epochs);
    t.seed = task_seed(job_.seed, static_cast<int>(t.id), shard);
    t.base_version = version;
    const auto id = t.id;
    tracker_.add(std::move(t), now);
    tracker_.assign(id, n.id, now);
    busy_[n.id] = id;
    shards_in_flight_.insert(shard);
    shard_last_started_[static_cast<std::size_t>(shard)] = now;
    ++training;
    started.push_back(id);
  }
  return started;
}

bool AsyncJob::eval_due() const {
  if (eval_id_ >= 0 || finished()) return false;
  const std::int64_t next = round() + 1;
  if (next < job_.rounds) return accepted_ >= next * job_.nodes;
  // The final evaluation waits until the last updates are in.
  if (!restarts_.empty()) return false;
  for (const auto& [node, id] : busy_)
    if (tracker_.get(id).kind == TaskKind::train) return false;
  return accepted_ >= target();
}

std::optional<std::int64_t> AsyncJob::next_eval(Seconds now, std::int64_t version) {
  if (!eval_due()) return std::nullopt;
  const NodeInfo* chosen = nullptr;
  for (const auto& n : nodes_)
    if (idle(n.id) && usable(n.id) && (!chosen || n.speed > chosen->speed)) chosen = &n;
  if (!chosen) return std::nullopt;
  int attempts = 0;
  for (const auto& t : tracker_.tasks())
    if (t.kind == TaskKind::evaluate && t.round == round() + 1) ++attempts;
  if (attempts >= kMaxAttemptsPerShard)
    throw std::runtime_error("evaluation of round " + std::to_string(round() + 1) + " failed " +
                             std::to_string(attempts) + " times");
  Task t;
  t.id = next_id_++;
  t.kind = TaskKind::evaluate;
  t.round = round() + 1;
  t.priority = 2.0;
  t.demand = static_cast<double>(test_size_);
  t.base_version = version;
  const auto id = t.id;
  tracker_.add(std::move(t), now);
  tracker_.assign(id, chosen->id, now);
  busy_[chosen->id] = id;
  eval_id_ = id;
  return id;
}

void AsyncJob::task_started(std::int64_t id, Seconds now) {
  tracker_.start(id, now);
}

void AsyncJob::node_free(const std::string& node, bool failed) {
  busy_.erase(node);
  if (failed)
    ++failures_[node];
  else
    failures_[node] = 0;
}

void AsyncJob::train_done(std::int64_t id, Seconds now, std::int64_t samples, double loss,
                          Seconds busy_s, const UpdateReceipt& receipt) {
  const auto& t = tracker_.get(id);
  if (t.kind != TaskKind::train || t.terminal()) return;
  const std::string node = t.node;
  const int shard = t.shard;
  if (t.state == TaskState::assigned) tracker_.start(id, now);
  if (receipt.accepted) {
    tracker_.finish(id, now, samples, loss, busy_s);
    // FedBuff: an update that did not make a version goes into the next one.
    tracker_.set_versions(id, t.base_version,
                          receipt.new_version ? receipt.version : receipt.version + 1,
                          receipt.staleness);
    ++accepted_;
    ++round_updates_;
    round_staleness_ += static_cast<double>(receipt.staleness);
    round_loss_ += loss * static_cast<double>(samples);
    round_samples_ += samples;
  } else {
    tracker_.fail(id, now, "update refused: " + receipt.reason);
    tracker_.set_versions(id, t.base_version, -1, receipt.staleness);
    ++round_dropped_;
  }
  shards_in_flight_.erase(shard);
  node_free(node, false);
}

void AsyncJob::train_dropped(std::int64_t id, Seconds now, const std::string& reason) {
  const auto& t = tracker_.get(id);
  if (t.terminal()) return;
  const std::string node = t.node;
  const int shard = t.shard;
  if (t.state == TaskState::assigned) tracker_.start(id, now);
  tracker_.fail(id, now, reason);
  shards_in_flight_.erase(shard);
  ++round_dropped_;
  node_free(node, false);
}

void AsyncJob::task_failed(std::int64_t id, Seconds now, const std::string& reason) {
  const auto& t = tracker_.get(id);
  if (t.terminal()) return;
  const std::string node = t.node;
  const bool train = t.kind == TaskKind::train;
  const int shard = t.shard;
  if (t.state == TaskState::assigned) tracker_.start(id, now);
  tracker_.fail(id, now, reason);
  if (train) {
    shards_in_flight_.erase(shard);
    ++round_failed_;
  } else if (eval_id_ == id) {
    eval_id_ = -1;
  }
  if (auto it = busy_.find(node); it != busy_.end() && it->second == id) node_free(node, true);
}

std::vector<std::int64_t> AsyncJob::fail_tasks_on(const std::string& node, Seconds now,
                                                  const std::string& reason) {
  std::vector<std::int64_t> failed;
  auto it = busy_.find(node);
  if (it == busy_.end()) return failed;
  const auto id = it->second;
  task_failed(id, now, reason);
  failed.push_back(id);
  busy_.erase(node);  // a lost node's failures do not count against it when it rejoins
  failures_.erase(node);
  return failed;
}

bool AsyncJob::stuck() const {
  if (finished() || !busy_.empty()) return false;  // restarts_ wait for a usable node
  for (const auto& n : nodes_)
    if (usable(n.id)) return false;
  return true;
}

void AsyncJob::eval_done(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics,
                         std::int64_t version) {
  if (id != eval_id_) throw std::logic_error("eval_done: not the open evaluation task");
  const std::string node = tracker_.get(id).node;
  tracker_.finish(id, now, test_size_, metrics.loss);
  tracker_.set_versions(id, version, -1, -1);
  eval_id_ = -1;
  node_free(node, false);
  auto rec = RoundRecord::evaluated(round() + 1, version, metrics);
  rec.seconds = now - round_started_;
  rec.updates = round_updates_;
  rec.failed = round_failed_;
  rec.dropped = round_dropped_;
  rec.mean_staleness = round_updates_ > 0 ? round_staleness_ / round_updates_ : 0.0;
  rec.train_loss = round_samples_ > 0 ? round_loss_ / static_cast<double>(round_samples_) : 0.0;
  rounds_.push_back(rec);
  last_metrics_ = metrics;
  round_started_ = now;
  round_updates_ = round_failed_ = round_dropped_ = 0;
  round_staleness_ = round_loss_ = 0.0;
  round_samples_ = 0;
}

RunReport AsyncJob::report(Seconds wall, RunStatus status, const std::string& error) const {
  RunReport r;
  r.status = status;
  r.error = error;
  r.policy = "async";
  r.mode = job_.collab.mode;
  r.config = job_;
  r.tasks = tracker_.tasks();
  r.rounds = rounds_;
  r.versions = versions_of(r.tasks);
  r.final_metrics = last_metrics_;
  r.test_size = test_size_;
  r.config = as_reported(std::move(r.config));
  r.wall_s = wall;
  std::vector<std::string> ids;
  for (const auto& n : nodes_) ids.push_back(n.id);
  for (const auto& t : r.tasks)
    if (!t.node.empty() && std::find(ids.begin(), ids.end(), t.node) == ids.end())
      ids.push_back(t.node);
  summarise(r, ids);
  return r;
}

}  // namespace troupe::runtime

namespace troupe::runtime {

AsyncJobState AsyncJob::state() const {
  AsyncJobState s;
  s.next_id = next_id_;
  s.accepted = accepted_;
  // Ranks, not times: a resumed job's clock starts again at 0.
  std::vector<Seconds> times;
  for (auto t : shard_last_started_)
    if (t > -std::numeric_limits<double>::infinity()) times.push_back(t);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  for (auto t : shard_last_started_)
    s.shard_rank.push_back(
        t > -std::numeric_limits<double>::infinity()
            ? static_cast<int>(std::lower_bound(times.begin(), times.end(), t) - times.begin())
            : -1);
  s.failures = failures_;
  for (const auto& [node, id] : busy_) {
    const auto& t = tracker_.get(id);
    if (t.kind == TaskKind::train)
      s.in_flight.push_back({t.id, t.round, t.shard, t.seed, t.base_version, node});
  }
  for (const auto& r : restarts_) s.in_flight.push_back(r);
  std::sort(s.in_flight.begin(), s.in_flight.end(),
            [](const InFlightTraining& a, const InFlightTraining& b) { return a.id < b.id; });
  s.round_updates = round_updates_;
  s.round_failed = round_failed_;
  s.round_dropped = round_dropped_;
  s.round_staleness = round_staleness_;
  s.round_loss = round_loss_;
  s.round_samples = round_samples_;
  s.last_metrics = last_metrics_;
  return s;
}

void AsyncJob::restore(const AsyncJobState& s, std::vector<RoundRecord> rounds) {
  if (s.shard_rank.size() != shard_sizes_.size())
    throw std::runtime_error("asynchronous job state: " + std::to_string(s.shard_rank.size()) +
                             " shards, the job has " + std::to_string(shard_sizes_.size()));
  for (const auto& t : s.in_flight)
    if (static_cast<std::size_t>(t.shard) >= shard_sizes_.size())
      throw std::runtime_error("asynchronous job state: task " + std::to_string(t.id) +
                               " trains shard " + std::to_string(t.shard) + ", the job has " +
                               std::to_string(shard_sizes_.size()));
  next_id_ = s.next_id;
  accepted_ = s.accepted;
  // Before 0, the resumed clock's start, in the same order.
  const int ranks = static_cast<int>(s.shard_rank.size());
  for (std::size_t i = 0; i < s.shard_rank.size(); ++i)
    shard_last_started_[i] = s.shard_rank[i] < 0 ? -std::numeric_limits<double>::infinity()
                                                 : static_cast<double>(s.shard_rank[i] - ranks);
  failures_ = s.failures;
  restarts_ = s.in_flight;
  shards_in_flight_.clear();
  for (const auto& t : restarts_) shards_in_flight_.insert(t.shard);
  round_updates_ = s.round_updates;
  round_failed_ = s.round_failed;
  round_dropped_ = s.round_dropped;
  round_staleness_ = s.round_staleness;
  round_loss_ = s.round_loss;
  round_samples_ = s.round_samples;
  last_metrics_ = s.last_metrics;
  rounds_ = std::move(rounds);
  round_started_ = 0.0;
}

}  // namespace troupe::runtime
