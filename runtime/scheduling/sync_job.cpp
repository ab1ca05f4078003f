#include "runtime/scheduling/sync_job.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>

#include "runtime/allocation/shard_affinity.hpp"
#include "runtime/core/decomposer.hpp"
#include "runtime/scheduling/node_table.hpp"

namespace troupe::runtime {

SyncJob::SyncJob(JobSpec job, std::vector<std::int64_t> shard_sizes, std::int64_t test_size,
                 std::unique_ptr<Allocator> allocator, std::vector<NodeInfo> nodes)
    : job_(std::move(job)),
      shard_sizes_(std::move(shard_sizes)),
      test_size_(test_size),
      allocator_(std::move(allocator)) {
  if (!allocator_) throw std::invalid_argument("SyncJob needs an allocator");
  if (nodes.empty()) throw std::invalid_argument("SyncJob needs at least one node");
  set_nodes(std::move(nodes));
}

void SyncJob::resume_after(int round, std::vector<RoundRecord> records) {
  if (round < 0 || round > job_.rounds)
    throw std::invalid_argument("resume_after: round " + std::to_string(round) + " out of range");
  round_ = round;
  round_done_ = true;
  rounds_ = std::move(records);
  if (!rounds_.empty()) {
    const auto& r = rounds_.back();
    last_metrics_.accuracy = r.accuracy;
    last_metrics_.precision = r.precision;
    last_metrics_.recall = r.recall;
    last_metrics_.f1 = r.f1;
    last_metrics_.loss = r.loss;
  }
}

void SyncJob::set_nodes(std::vector<NodeInfo> nodes) {
  nodes_ = std::move(nodes);
}

int SyncJob::place_one(const Task& task, const std::vector<NodeInfo>& candidates) const {
  if (candidates.empty()) return -1;
  AllocationRequest request;
  request.tasks.push_back(TaskDemand::simple(task.id, task.priority, task.demand));
  for (const auto& n : candidates)
    request.nodes.push_back(NodeCapacity::simple(n.id, task.demand * (1.0 + n.speed)));
  const auto a = allocator_->allocate(request);
  if (!check_allocation(request, a).empty()) return -1;
  return a.node_of_task.front();
}

std::vector<NodeInfo> SyncJob::free_nodes() const {
  std::vector<NodeInfo> free, ready;
  for (const auto& n : nodes_)
    if (n.pinned_shard < 0) free.push_back(n);
  // A node still training a task cancelled in an earlier round (a straggler
  // whose backup delivered first, or a closed round's) would only queue new
  // work behind it: it sits the round out while other free nodes are there.
  for (const auto& n : free)
    if (!draining(n.id)) ready.push_back(n);
  return ready.empty() ? free : ready;
}

std::vector<NodeInfo> SyncJob::evaluation_candidates(const std::string& failed_on) const {
  // As the first placement (free nodes, else any node); another node than the
  // one it failed on, unless that one is the only node left (a task error
  // there may not repeat).
  auto pool = free_nodes();
  if (pool.empty()) pool = nodes_;
  std::vector<NodeInfo> others;
  for (const auto& n : pool)
    if (n.id != failed_on) others.push_back(n);
  return others.empty() ? pool : others;
}

void SyncJob::place_requested(const AllocationRequest& request, std::vector<Task>& tasks,
                              const std::vector<std::size_t>& requested, Seconds now,
                              std::vector<std::string>& node_of) {
  // The online core makes the placement: every task arrives now, one decision
  // round offers them all to the policy.
  SchedulerOptions options;
  options.window = std::max<std::size_t>(1, request.tasks.size());
  options.candidate_nodes = 0;
  options.max_attempts = kMaxAttemptsPerShard;
  options.reassign_on_deadline_miss = false;
  online_ = std::make_unique<OnlineScheduler>(*allocator_, options);
  for (const auto& n : request.nodes) online_->node_joined(n, now);
  for (const auto& t : request.tasks) online_->task_arrived(t, now);
  std::unordered_map<std::int64_t, std::string> placement;
  for (const auto& d : online_->decide(now)) {
    if (d.kind != Decision::Kind::assign) continue;
    placement[d.task] = d.node;
    runs_[d.task] = {d.task, d.attempt};
  }
  std::vector<Task*> placed;
  std::vector<std::string> nodes;
  for (auto i : requested) {
    if (auto it = placement.find(tasks[i].id); it != placement.end()) node_of[i] = it->second;
    placed.push_back(&tasks[i]);
    nodes.push_back(node_of[i]);
  }
  keep_in_place(placed, nodes);
}

void SyncJob::keep_in_place(const std::vector<Task*>& tasks,
                            const std::vector<std::string>& nodes) const {
  // A shard stays on the node that trained it last, where the load allows:
  // interchangeable tasks swap shards (the placement holds).
  std::vector<PlacedShard> placed;
  for (std::size_t k = 0; k < tasks.size(); ++k)
    placed.push_back({tasks[k]->shard, tasks[k]->demand, tasks[k]->priority, nodes[k]});
  const auto kept = keep_shards_in_place(placed, shard_node_);
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    tasks[k]->shard = kept[k];
    tasks[k]->seed = task_seed(job_.seed, round_, kept[k]);
  }
}

std::vector<std::int64_t> SyncJob::start_next_round(Seconds now) {
  if (!round_done_) throw std::logic_error("start_next_round: the current round has not ended");
  if (round_ >= job_.rounds) throw std::logic_error("start_next_round: all rounds are done");
  ++round_;
  round_done_ = false;
  round_started_ = now;

  std::vector<int> shards(shard_sizes_.size());
  std::iota(shards.begin(), shards.end(), 0);
  // Client selection: --clients-per-round K updates are needed; K x (1 +
  // over-selection) shards are started, a seeded sample per round.
  round_target_ = static_cast<int>(shards.size());
  if (job_.sync.clients_per_round > 0 &&
      job_.sync.clients_per_round < static_cast<int>(shards.size())) {
    const auto want = static_cast<std::size_t>(
        std::ceil(job_.sync.clients_per_round * (1.0 + job_.sync.over_selection) - 1e-9));
    const auto selected = std::min(shards.size(), std::max<std::size_t>(1, want));
    std::mt19937_64 rng(task_seed(job_.seed, round_, -1));
    for (std::size_t i = 0; i + 1 < shards.size(); ++i) {
      std::uniform_int_distribution<std::size_t> pick(i, shards.size() - 1);
      std::swap(shards[i], shards[pick(rng)]);
    }
    shards.resize(selected);
    std::sort(shards.begin(), shards.end());
    round_target_ = job_.sync.clients_per_round;
  }
  auto tasks = decompose_round(job_, round_, shards, shard_sizes_, test_size_, next_id_);

  // Shards held by a pinned node go to that node; the other training tasks and
  // the evaluation task are allocated over the nodes that can take any shard
  // (evaluation: over all nodes when only pinned ones are there).
  const std::vector<NodeInfo> free_nodes = this->free_nodes();
  auto owner_of = [&](int shard) -> const NodeInfo* {
    for (const auto& n : nodes_)
      if (n.pinned_shard == shard) return &n;
    return nullptr;
  };

  // Per-round capacity: each node's speed-proportional share of the training
  // work with headroom, plus room for the largest training task, so that every
  // task fits. The evaluation task is placed on its own (below): it runs after
  // the round's training and aggregation, so it takes none of that room.
  // Counted in, its demand (the test set) was added to every node's room and
  // outweighed the shares: all training went to one node while others idled.
  AllocationRequest request;
  std::vector<std::size_t> requested;  // index into `tasks` of each request entry
  double total = 0.0;
  double largest = 0.0;
  std::optional<std::size_t> eval_index;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto& t = tasks[i];
    if (t.kind == TaskKind::evaluate) {
      eval_index = i;
      continue;
    }
    // Training needs a node that can take any shard; pinned shards go to their owner.
    if (owner_of(t.shard) || free_nodes.empty()) continue;
    request.tasks.push_back(TaskDemand::simple(t.id, t.priority, t.demand));
    requested.push_back(i);
    total += t.demand;
    largest = std::max(largest, t.demand);
  }
  // The evaluation task may run on any node; training only on free ones.
  const auto& request_nodes = free_nodes.empty() ? nodes_ : free_nodes;
  if (request_nodes.empty())
    throw std::runtime_error("round " + std::to_string(round_) + ": no node is available");
  double speed_sum = 0.0;
  for (const auto& n : request_nodes) speed_sum += n.speed;
  if (!joint_)  // jointly placed, the scheduler sizes the rooms
    for (const auto& n : request_nodes)
      request.nodes.push_back(
          NodeCapacity::simple(n.id, kCapacityHeadroom * total * n.speed / speed_sum + largest));
  runs_.clear();
  pending_.clear();
  runnable_.clear();
  std::vector<std::string> node_of(tasks.size());
  std::vector<bool> deferred(tasks.size(), false);
  if (joint_) {
    // The scheduler places them, with every other job's runnable tasks.
    for (auto i : requested) deferred[i] = true;
  } else {
    place_requested(request, tasks, requested, now, node_of);
  }
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (tasks[i].kind == TaskKind::train && !deferred[i]) {
      if (const auto* owner = owner_of(tasks[i].shard)) node_of[i] = owner->id;
      if (!node_of[i].empty()) shard_node_[tasks[i].shard] = node_of[i];
    }
  if (eval_index) {
    // The last round's evaluator holds the test set and a ready evaluator:
    // it evaluates again while it is a candidate, unless it is planned slower
    // than 1 (measured slower than the noise band) and another candidate more
    // than kSpeedNoiseBand times faster; else the policy places it. A slow
    // evaluator kept would make every round wait for it: round 1 places the
    // evaluation before any node is measured (on the virtual clock's
    // `stragglers` profile it landed on a 4x slower node for good, and sync's
    // rounds took 25.6 instead of 15.6 virtual seconds). Relative, because
    // nodes shared with other jobs are all planned slower (assess_nodes).
    double fastest = 0.0;
    for (const auto& n : request_nodes) fastest = std::max(fastest, n.speed);
    const auto last =
        std::find_if(request_nodes.begin(), request_nodes.end(), [&](const NodeInfo& n) {
          return n.id == evaluator_ && (n.speed >= 1.0 || n.speed * kSpeedNoiseBand >= fastest);
        });
    if (last != request_nodes.end())
      node_of[*eval_index] = last->id;
    else if (const int i = place_one(tasks[*eval_index], request_nodes); i >= 0)
      node_of[*eval_index] = request_nodes[static_cast<std::size_t>(i)].id;
    evaluator_ = node_of[*eval_index];
  }

  train_ids_.clear();
  waiting_.clear();
  eval_id_ = -1;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (deferred[i]) {
      runnable_.push_back(std::move(tasks[i]));
      continue;
    }
    const auto id = tasks[i].id;
    const auto kind = tasks[i].kind;
    const auto shard = tasks[i].shard;
    tracker_.add(std::move(tasks[i]), now);
    if (kind == TaskKind::train) {
      train_ids_.push_back(id);
    } else {
      eval_id_ = id;
    }
    if (node_of[i].empty()) {
      // No node takes any shard, so the shard's own node has not joined yet:
      // it may still come within the join timeout.
      if (kind == TaskKind::train && free_nodes.empty() && now < join_deadline()) {
        waiting_.push_back(id);
        continue;
      }
      tracker_.fail(id, now, kind == TaskKind::train ? no_node_for(shard) : "no node can evaluate");
      continue;
    }
    tracker_.assign(id, node_of[i], now);
  }
  if (tracker_.get(eval_id_).state == TaskState::failed)
    throw std::runtime_error("round " + std::to_string(round_) +
                             ": the evaluation task fits on no node");
  std::vector<std::int64_t> placed;
  for (auto id : train_ids_)
    if (tracker_.get(id).state == TaskState::assigned) placed.push_back(id);
  if (placed.empty() && waiting_.empty() && runnable_.empty())
    throw std::runtime_error("round " + std::to_string(round_) +
                             ": no training task fits on any node");
  return placed;
}

std::vector<std::int64_t> SyncJob::place_runnable(
    const std::map<std::int64_t, std::string>& node_of, Seconds now) {
  auto tasks = std::move(runnable_);
  runnable_.clear();
  std::vector<Task*> placed;
  std::vector<std::string> nodes;
  for (auto& t : tasks) {
    const auto it = node_of.find(t.id);
    placed.push_back(&t);
    nodes.push_back(it == node_of.end() ? "" : it->second);
  }
  keep_in_place(placed, nodes);
  std::vector<std::int64_t> ids;
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const auto id = tasks[k].id;
    const int shard = tasks[k].shard;
    tracker_.add(std::move(tasks[k]), now);
    train_ids_.push_back(id);
    const auto& node = nodes[k];
    if (node.empty()) {
      tracker_.fail(id, now,
                    "the scheduler's placement found no node for shard " + std::to_string(shard));
      continue;
    }
    tracker_.assign(id, node, now);
    shard_node_[shard] = node;
    ids.push_back(id);
  }
  return ids;
}

std::string SyncJob::no_node_for(int shard) const {
  auto why = "no node can train shard " + std::to_string(shard);
  if (job_.cluster.join_timeout_s > 0.0) {
    std::ostringstream s;
    s << " (none joined within the join timeout of " << job_.cluster.join_timeout_s << " s)";
    why += s.str();
  }
  return why;
}

std::vector<std::int64_t> SyncJob::place_waiting(Seconds now) {
  std::vector<std::int64_t> placed;
  std::vector<NodeInfo> free_nodes;
  for (const auto& n : nodes_)
    if (n.pinned_shard < 0) free_nodes.push_back(n);
  std::vector<std::int64_t> still;
  for (auto id : waiting_) {
    const auto& t = tracker_.get(id);
    std::string node;
    for (const auto& n : nodes_)
      if (n.pinned_shard == t.shard) node = n.id;
    if (node.empty())
      if (const int i = place_one(t, free_nodes); i >= 0)
        node = free_nodes[static_cast<std::size_t>(i)].id;
    if (node.empty()) {
      still.push_back(id);
      continue;
    }
    tracker_.assign(id, node, now);
    placed.push_back(id);
  }
  waiting_ = std::move(still);
  return placed;
}

std::vector<std::int64_t> SyncJob::expire_waiting(Seconds now) {
  if (waiting_.empty() || now < join_deadline()) return {};
  auto expired = std::move(waiting_);
  waiting_.clear();
  for (auto id : expired) tracker_.fail(id, now, no_node_for(tracker_.get(id).shard));
  return expired;
}

void SyncJob::task_started(std::int64_t id, Seconds now) {
  tracker_.start(id, now);
  if (auto it = runs_.find(id); it != runs_.end())
    online_->task_started(it->second.key, it->second.attempt, now);
}

void SyncJob::train_done(std::int64_t id, Seconds now, std::int64_t samples, double loss,
                         Seconds busy_s) {
  tracker_.finish(id, now, samples, loss, busy_s);
  if (auto it = runs_.find(id); it != runs_.end())
    online_->task_completed(it->second.key, it->second.attempt, now);
}

void SyncJob::task_failed(std::int64_t id, Seconds now, const std::string& reason) {
  const auto& t = tracker_.get(id);
  if (t.state == TaskState::assigned) tracker_.start(id, now);
  tracker_.fail(id, now, reason);
  // A failed run goes back to the core's queue (a run lost with its node is
  // already there, and this is then ignored as stale).
  if (auto it = runs_.find(id); it != runs_.end())
    online_->task_failed(it->second.key, it->second.attempt, now);
}

std::vector<std::int64_t> SyncJob::fail_tasks_on(const std::string& node, Seconds now,
                                                 const std::string& reason) {
  // The core re-queues the node's runs without counting them as failures.
  if (online_) online_->node_left(node, now);
  for (auto it = draining_.begin(); it != draining_.end();)
    it = it->second == node ? draining_.erase(it) : std::next(it);
  std::vector<std::int64_t> failed;
  std::vector<std::int64_t> current = train_ids_;
  if (eval_id_ >= 0) current.push_back(eval_id_);
  current.insert(current.end(), held_out_ids_.begin(), held_out_ids_.end());
  for (auto id : current) {
    const auto& t = tracker_.get(id);
    if (t.node == node && !t.terminal()) {
      task_failed(id, now, reason);
      failed.push_back(id);
    }
  }
  return failed;
}

std::optional<std::int64_t> SyncJob::reassign(std::int64_t id, Seconds now) {
  const Task failed = tracker_.get(id);
  if (failed.state != TaskState::failed || failed.round != round_) return std::nullopt;
  int attempts = 0;  // backup copies are not attempts: they ran beside one
  for (const auto& t : tracker_.tasks())
    if (t.round == round_ && t.kind == failed.kind && t.shard == failed.shard && t.backup_of < 0)
      ++attempts;
  if (attempts >= kMaxAttemptsPerShard) return std::nullopt;

  Task next = failed;
  next.id = next_id_++;
  next.node.clear();
  next.error.clear();
  next.samples = 0;
  next.loss = 0.0;
  next.started_at = next.assigned_at = next.finished_at = kNever;
  next.reassigned_from = failed.id;
  next.backup_of = -1;

  std::string node;
  if (auto run = runs_.find(id); run != runs_.end() && online_) {
    // Placed by the core: take its placement of the re-queued run.
    for (const auto& d : online_->decide(now))
      if (d.kind == Decision::Kind::assign) pending_[d.task] = d;
    const auto key = run->second.key;
    auto p = pending_.find(key);
    if (p == pending_.end()) return std::nullopt;  // no room now, or out of attempts
    node = p->second.node;
    const Run placed_run{key, p->second.attempt};
    pending_.erase(p);
    runs_[next.id] = placed_run;
  } else {
    // A pinned shard: only another holder of the same shard can take it. A
    // backup copy (which the online core never placed) of a shard any node
    // may train: any other such node.
    const bool free_shard = std::none_of(nodes_.begin(), nodes_.end(), [&](const NodeInfo& n) {
      return n.pinned_shard == failed.shard;
    });
    const bool free_backup = failed.backup_of >= 0 && free_shard;
    std::vector<NodeInfo> candidates;
    if (failed.kind == TaskKind::evaluate) {
      candidates = evaluation_candidates(failed.node);
    } else if (joint_ && free_shard && failed.backup_of < 0) {
      // Placed by the scheduler's joint step (--share-nodes), so the online
      // core holds no run of it: as the core would, another free node, or
      // the same one when it is the only one.
      const auto pool = free_nodes();
      for (const auto& n : pool)
        if (n.id != failed.node) candidates.push_back(n);
      if (candidates.empty()) candidates = pool;
    } else {
      for (const auto& n : nodes_)
        if (n.id != failed.node &&
            (n.pinned_shard == failed.shard || (free_backup && n.pinned_shard < 0)))
          candidates.push_back(n);
    }
    const int index = place_one(next, candidates);
    if (index < 0) return std::nullopt;
    node = candidates[static_cast<std::size_t>(index)].id;
  }
  const auto new_id = next.id;
  tracker_.add(std::move(next), now);
  tracker_.assign(new_id, node, now);
  if (failed.kind == TaskKind::train)
    train_ids_.push_back(new_id);
  else
    eval_id_ = new_id;
  return new_id;
}

bool SyncJob::round_closable(Seconds now) const {
  if (round_done_ || !runnable_.empty()) return false;  // tasks wait for the joint step
  if (training_complete()) return true;
  const int updates = updates_in_round();
  if (updates >= round_target_) return true;
  return job_.sync.round_deadline_s > 0.0 && round_age(now) >= job_.sync.round_deadline_s &&
         updates >= job_.sync.min_updates;
}

std::vector<std::int64_t> SyncJob::close_training(Seconds now, const std::string& why) {
  std::vector<std::int64_t> ids;
  waiting_.clear();  // a shard still waiting for its node is cancelled with the others
  for (auto id : train_ids_) {
    if (tracker_.get(id).terminal()) continue;
    task_failed(id, now, "cancelled: " + why);
    cancelled_[id] = round_;
    draining_[id] = tracker_.get(id).node;
    ids.push_back(id);
  }
  return ids;
}

void SyncJob::late_arrival(std::int64_t id) {
  auto it = cancelled_.find(id);
  if (it == cancelled_.end() || !late_seen_.insert(id).second) return;
  const int round = it->second;
  for (auto& r : rounds_)
    if (r.round == round) {
      ++r.late;
      return;
    }
  ++late_[round];  // its round has not been recorded yet
}

void SyncJob::aggregated(std::int64_t base, std::int64_t made, bool changed) {
  for (auto id : train_ids_) {
    const auto& t = tracker_.get(id);
    const bool in = t.state == TaskState::done && changed;
    tracker_.set_versions(id, base, in ? made : -1, -1);
  }
}

bool SyncJob::training_complete() const {
  if (!runnable_.empty()) return false;
  for (auto id : train_ids_)
    if (!tracker_.get(id).terminal()) return false;
  return true;
}

int SyncJob::updates_in_round() const {
  return static_cast<int>(accepted_updates().size());
}

std::vector<std::int64_t> SyncJob::accepted_updates() const {
  std::vector<std::int64_t> ids;
  for (auto id : train_ids_)
    if (tracker_.get(id).state == TaskState::done) ids.push_back(id);
  return ids;
}

void SyncJob::eval_done(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics,
                        std::int64_t version) {
  central_done(id, now, metrics);
  end_round(now, version);
}

void SyncJob::central_done(std::int64_t id, Seconds now,
                           const models::ClassificationMetrics& metrics) {
  if (id != eval_id_) throw std::logic_error("eval_done: not the current round's evaluation task");
  tracker_.finish(id, now, test_size_, metrics.loss);
  if (auto it = runs_.find(id); it != runs_.end())
    online_->task_completed(it->second.key, it->second.attempt, now);
  central_metrics_ = metrics;
  central_evaluated_ = true;
}

void SyncJob::end_round(Seconds now, std::int64_t version) {
  auto federated = held_out_record();
  if (!central_evaluated_) {
    // --eval federated: the round's evaluation is the nodes' combined one.
    if (tracker_.get(eval_id_).state == TaskState::assigned) tracker_.start(eval_id_, now);
    tracker_.finish(eval_id_, now, federated.examples, federated.loss);
    if (auto it = runs_.find(eval_id_); it != runs_.end())
      online_->task_completed(it->second.key, it->second.attempt, now);
    central_metrics_ = combined_metrics(federated);
  }
  const auto metrics = central_metrics_;
  central_evaluated_ = false;
  held_out_ids_.clear();
  held_out_metrics_.clear();
  auto rec = RoundRecord::evaluated(round_, version, metrics);
  for (auto& n : federated.per_node) n.round = round_;
  rec.federated = std::move(federated);
  rec.seconds = now - round_started_;
  double weighted = 0.0;
  std::int64_t samples = 0;
  std::vector<int> shards_with_update;
  for (auto tid : train_ids_) {
    const auto& t = tracker_.get(tid);
    if (t.backup_of >= 0) ++rec.backups;
    if (t.state != TaskState::done) continue;
    if (t.backup_of >= 0) ++rec.backups_won;
    ++rec.updates;
    weighted += t.loss * static_cast<double>(t.samples);
    samples += t.samples;
    shards_with_update.push_back(t.shard);
  }
  // A shard counts as failed when none of its attempts delivered an update.
  std::vector<int> shards;
  for (auto tid : train_ids_) shards.push_back(tracker_.get(tid).shard);
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  std::set<int> cancelled_shards;
  for (auto tid : train_ids_)
    if (cancelled_.count(tid)) cancelled_shards.insert(tracker_.get(tid).shard);
  for (int s : shards)
    if (std::find(shards_with_update.begin(), shards_with_update.end(), s) ==
            shards_with_update.end() &&
        !cancelled_shards.count(s))
      rec.lost_shards.push_back(s);
  rec.failed = static_cast<int>(rec.lost_shards.size());
  if (auto it = late_.find(round_); it != late_.end()) {
    rec.late = it->second;
    late_.erase(it);
  }
  rec.train_loss = samples > 0 ? weighted / static_cast<double>(samples) : 0.0;
  rounds_.push_back(rec);
  last_metrics_ = metrics;
  round_done_ = true;
}

RunReport SyncJob::report(Seconds wall, RunStatus status, const std::string& error) const {
  RunReport r;
  r.status = status;
  r.error = error;
  r.policy = allocator_->name();
  r.config = job_;
  r.tasks = tracker_.tasks();
  r.rounds = rounds_;
  r.versions = versions_of(r.tasks);
  r.mode = job_.collab.mode;
  r.final_metrics = last_metrics_;
  r.test_size = test_size_;
  r.config = as_reported(std::move(r.config));
  r.wall_s = wall;
  std::vector<std::string> ids;
  for (const auto& n : nodes_) ids.push_back(n.id);
  summarise(r, ids);
  return r;
}

}  // namespace troupe::runtime
