// SyncJob's backup tasks (--backup-after, --task-deadline): a training task
// far behind its round's finished ones, or past its deadline, gets a copy on
// an idle node; whichever delivers first
// is the shard's update and the other is cancelled. Both train the same shard
// from the same global version with the same seed, so the round's model does
// not depend on which one won.

#include <algorithm>
#include <set>

#include "runtime/scheduling/sync_job.hpp"

namespace troupe::runtime {

std::int64_t SyncJob::open_twin(std::int64_t id) const {
  const auto& t = tracker_.get(id);
  if (t.kind != TaskKind::train) return -1;
  for (auto other : train_ids_) {
    if (other == id) continue;
    const auto& o = tracker_.get(other);
    const bool twin = (t.backup_of >= 0 && other == t.backup_of) || o.backup_of == id;
    if (twin && !o.terminal()) return other;
  }
  return -1;
}

bool SyncJob::draining(const std::string& node) const {
  return std::any_of(draining_.begin(), draining_.end(),
                     [&](const auto& entry) { return entry.second == node; });
}

bool SyncJob::covered(std::int64_t id) const {
  return open_twin(id) >= 0;
}

std::optional<std::int64_t> SyncJob::cancel_twin(std::int64_t id, Seconds now) {
  const auto twin = open_twin(id);
  if (twin < 0) return std::nullopt;
  const auto& t = tracker_.get(twin);
  if (t.state == TaskState::assigned) tracker_.start(twin, now);
  tracker_.fail(twin, now,
                t.backup_of >= 0
                    ? "cancelled: task " + std::to_string(id) +
                          " (the straggler it backed up) delivered first"
                    : "cancelled: its backup task " + std::to_string(id) + " delivered first");
  // The work is done: the online core must not queue the straggler's run again.
  if (auto it = runs_.find(twin); it != runs_.end() && online_)
    online_->task_completed(it->second.key, it->second.attempt, now);
  draining_[twin] = t.node;
  return twin;
}

void SyncJob::task_computing(std::int64_t id, Seconds now) {
  if (!tracker_.contains(id) || tracker_.get(id).terminal()) return;
  computing_at_.emplace(id, now);  // the first word counts
}

Seconds SyncJob::computing_at(std::int64_t id) const {
  const auto it = computing_at_.find(id);
  return it == computing_at_.end() ? kNever : it->second;
}

void SyncJob::backup_inputs(std::vector<Seconds>& finished,
                            std::vector<RunningTask>& running) const {
  std::set<int> pinned;  // shards only their own node holds
  for (const auto& n : nodes_)
    if (n.pinned_shard >= 0) pinned.insert(n.pinned_shard);
  std::set<int> backed;  // shards with a backup this round already
  for (auto id : train_ids_)
    if (tracker_.get(id).backup_of >= 0) backed.insert(tracker_.get(id).shard);
  // A task's time counts from when its node began computing it: not its wait
  // behind the node's earlier tasks or for a compute slot shared with other
  // nodes (embedded nodes share the machine's cores), which is no slowness.
  // A task whose node has not said so is not running yet.
  for (auto id : train_ids_) {
    const auto& t = tracker_.get(id);
    const Seconds since = computing_at(id);
    if (t.state == TaskState::done)
      finished.push_back(t.finished_at - (since >= 0.0 ? since : t.started_at));
    else if (t.state == TaskState::running && since >= 0.0 && t.backup_of < 0 &&
             !backed.count(t.shard) && !pinned.count(t.shard))
      running.push_back({id, since});
  }
}

std::optional<BackupRule> SyncJob::backup_rule() const {
  if (!(job_.sync.backup_after > 0.0) && !(job_.sync.task_deadline_s > 0.0)) return std::nullopt;
  BackupRule rule;
  rule.multiplier = job_.sync.backup_after;  // 0: the median rule is off
  rule.deadline = job_.sync.task_deadline_s;
  return rule;
}

std::optional<Seconds> SyncJob::next_backup_check(Seconds now) const {
  const auto rule = backup_rule();
  if (!rule || round_done_) return std::nullopt;
  std::vector<Seconds> finished;
  std::vector<RunningTask> running;
  backup_inputs(finished, running);
  return next_straggler_at(finished, running, round_target_, now, *rule);
}

std::vector<std::int64_t> SyncJob::start_backups(Seconds now) {
  const auto rule = backup_rule();
  if (!rule || round_done_) return {};
  std::set<std::string> busy;  // nodes training (or still finishing a cancelled task)
  for (auto id : train_ids_)
    if (!tracker_.get(id).terminal()) busy.insert(tracker_.get(id).node);
  for (const auto& [task, node] : draining_) busy.insert(node);
  std::vector<Seconds> finished;
  std::vector<RunningTask> running;
  backup_inputs(finished, running);
  const auto late = stragglers(finished, running, round_target_, now, *rule);
  if (late.empty()) return {};

  // Idle nodes that may train any shard, the fastest first.
  std::vector<NodeInfo> idle;
  for (const auto& n : nodes_)
    if (n.pinned_shard < 0 && !busy.count(n.id)) idle.push_back(n);
  std::stable_sort(idle.begin(), idle.end(),
                   [](const NodeInfo& a, const NodeInfo& b) { return a.speed > b.speed; });
  std::vector<std::int64_t> started;
  for (auto id : late) {
    if (idle.empty()) break;
    const Task straggler = tracker_.get(id);
    auto node = std::find_if(idle.begin(), idle.end(),
                             [&](const NodeInfo& n) { return n.id != straggler.node; });
    if (node == idle.end()) continue;
    Task copy = straggler;
    copy.id = next_id_++;
    copy.node.clear();
    copy.error.clear();
    copy.state = TaskState::queued;
    copy.samples = 0;
    copy.loss = 0.0;
    copy.started_at = copy.assigned_at = copy.finished_at = kNever;
    copy.reassigned_from = -1;
    copy.backup_of = id;
    const auto copy_id = copy.id;
    tracker_.add(std::move(copy), now);
    tracker_.assign(copy_id, node->id, now);
    train_ids_.push_back(copy_id);
    started.push_back(copy_id);
    idle.erase(node);
  }
  return started;
}

}  // namespace troupe::runtime
