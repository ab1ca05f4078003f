#include "runtime/sync_job.hpp"

#include <numeric>
#include <stdexcept>

#include "runtime/decomposer.hpp"

namespace troupe::runtime {

SyncJob::SyncJob(JobSpec job, std::vector<std::int64_t> shard_sizes, std::int64_t test_size,
                 std::unique_ptr<Allocator> allocator, std::vector<NodeInfo> nodes)
    : job_(std::move(job)),
      shard_sizes_(std::move(shard_sizes)),
      test_size_(test_size),
      allocator_(std::move(allocator)),
      nodes_(std::move(nodes)) {
  if (!allocator_) throw std::invalid_argument("SyncJob needs an allocator");
  if (nodes_.empty()) throw std::invalid_argument("SyncJob needs at least one node");
}

std::vector<std::int64_t> SyncJob::start_next_round(Seconds now) {
  if (!round_done_) throw std::logic_error("start_next_round: the current round has not ended");
  if (round_ >= job_.rounds) throw std::logic_error("start_next_round: all rounds are done");
  ++round_;
  round_done_ = false;
  round_started_ = now;

  std::vector<int> shards(shard_sizes_.size());
  std::iota(shards.begin(), shards.end(), 0);
  auto tasks = decompose_round(job_, round_, shards, shard_sizes_, test_size_, next_id_);

  // Per-round capacity: each node's speed-proportional share of the round's
  // work with headroom, plus room for the largest task, so that every task fits.
  AllocationRequest request;
  double total = 0.0;
  double largest = 0.0;
  for (const auto& t : tasks) {
    request.tasks.push_back(TaskDemand::simple(t.id, t.priority, t.demand));
    total += t.demand;
    largest = std::max(largest, t.demand);
  }
  double speed_sum = 0.0;
  for (const auto& n : nodes_) speed_sum += n.speed;
  for (const auto& n : nodes_)
    request.nodes.push_back(
        NodeCapacity::simple(n.id, kCapacityHeadroom * total * n.speed / speed_sum + largest));

  const auto allocation = allocator_->allocate(request);
  if (auto why = check_allocation(request, allocation); !why.empty())
    throw std::runtime_error("allocator '" + allocator_->name() +
                             "' returned an invalid allocation: " + why);

  train_ids_.clear();
  eval_id_ = -1;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto id = tasks[i].id;
    const auto kind = tasks[i].kind;
    tracker_.add(std::move(tasks[i]), now);
    const int node = allocation.node_of_task[i];
    if (node == Allocation::kUnplaced)
      throw std::runtime_error("task " + std::to_string(id) + " of round " +
                               std::to_string(round_) + " fits on no node");
    tracker_.assign(id, nodes_[static_cast<std::size_t>(node)].id, now);
    if (kind == TaskKind::train)
      train_ids_.push_back(id);
    else
      eval_id_ = id;
  }
  return train_ids_;
}

void SyncJob::train_done(std::int64_t id, Seconds now, std::int64_t samples, double loss,
                         Seconds busy_s) {
  tracker_.finish(id, now, samples, loss, busy_s);
}

void SyncJob::task_failed(std::int64_t id, Seconds now, const std::string& reason) {
  const auto& t = tracker_.get(id);
  if (t.state == TaskState::assigned) tracker_.start(id, now);
  tracker_.fail(id, now, reason);
}

bool SyncJob::training_complete() const {
  for (auto id : train_ids_)
    if (!tracker_.get(id).terminal()) return false;
  return true;
}

int SyncJob::updates_in_round() const {
  int n = 0;
  for (auto id : train_ids_) n += tracker_.get(id).state == TaskState::done ? 1 : 0;
  return n;
}

void SyncJob::eval_done(std::int64_t id, Seconds now, const models::ClassificationMetrics& metrics,
                        std::int64_t version) {
  if (id != eval_id_) throw std::logic_error("eval_done: not the current round's evaluation task");
  tracker_.finish(id, now, test_size_, metrics.loss);
  RoundRecord rec;
  rec.round = round_;
  rec.version = version;
  rec.accuracy = metrics.accuracy;
  rec.precision = metrics.precision;
  rec.recall = metrics.recall;
  rec.f1 = metrics.f1;
  rec.loss = metrics.loss;
  rec.seconds = now - round_started_;
  double weighted = 0.0;
  std::int64_t samples = 0;
  for (auto tid : train_ids_) {
    const auto& t = tracker_.get(tid);
    if (t.state == TaskState::done) {
      ++rec.updates;
      weighted += t.loss * static_cast<double>(t.samples);
      samples += t.samples;
    } else {
      ++rec.failed;
    }
  }
  rec.train_loss = samples > 0 ? weighted / static_cast<double>(samples) : 0.0;
  rounds_.push_back(rec);
  last_metrics_ = metrics;
  round_done_ = true;
}

RunReport SyncJob::report(Seconds wall, const std::string& status, const std::string& error) const {
  RunReport r;
  r.status = status;
  r.error = error;
  r.policy = allocator_->name();
  r.config = job_;
  r.tasks = tracker_.tasks();
  r.rounds = rounds_;
  r.final_metrics = last_metrics_;
  r.wall_s = wall;
  std::vector<std::string> ids;
  for (const auto& n : nodes_) ids.push_back(n.id);
  summarise(r, ids);
  return r;
}

}  // namespace troupe::runtime
