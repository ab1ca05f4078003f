#include "runtime/scheduling/sync_job_core.hpp"
#include "runtime/aggregation/round_failures.hpp"
#include "runtime/scheduling/lost_work.hpp"

#include <stdexcept>

namespace troupe::runtime {

SyncJobCore::SyncJobCore(JobCoreInputs inputs)
    : JobCore(inputs.version, inputs.resume ? inputs.resume->fingerprint : 0),
      spec_(inputs.spec),
      view_(std::move(inputs.nodes)),
      resume_(std::move(inputs.resume)),
      central_(inputs.spec.eval.mode != EvalMode::federated),
      federated_(inputs.spec.eval.mode != EvalMode::central) {
  job_ = std::make_unique<SyncJob>(std::move(inputs.spec), std::move(inputs.shard_sizes),
                                   inputs.test_size, make_allocator(spec_.cluster.policy),
                                   view_().nodes);
  job_->set_joint(inputs.joint);
}

std::vector<RunnableTask> SyncJobCore::runnable() const {
  std::vector<RunnableTask> out;
  if (job_->runnable().empty()) return out;
  std::vector<std::string> free;
  for (const auto& n : job_->free_nodes()) free.push_back(n.id);
  for (const auto& t : job_->runnable()) out.push_back({t.id, t.demand, free});
  return out;
}

Steps SyncJobCore::on_place(const std::map<std::int64_t, std::string>& node_of, Seconds now) {
  std::vector<std::int64_t> waited;
  for (const auto& t : job_->runnable()) waited.push_back(t.id);
  const auto placed = job_->place_runnable(node_of, now);
  Steps out;
  for (auto id : placed) out.push_back(train_step(id));
  for (auto id : waited)
    if (job_->task(id).state == TaskState::failed &&
        !replace_failed(id, job_->task(id).error, now, out))
      return out;
  aggregate_if_complete(now, out);
  return out;
}

RunReport SyncJobCore::report(Seconds wall, RunStatus status, const std::string& error) const {
  auto r = job_->report(wall, status, error);
  add_privacy(r);
  return r;
}

Step SyncJobCore::train_step(std::int64_t id) const {
  const auto& t = job_->task(id);
  return Step::train(id, t.node, t.round, t.shard, version_, t.seed);
}

Step SyncJobCore::eval_step(std::int64_t id) const {
  const auto& t = job_->task(id);
  return Step::evaluate(id, t.node, t.round, version_);
}

Steps SyncJobCore::on_start(Seconds now) {
  if (resume_) {
    job_->resume_after(resume_->round, resume_->records);
    if (job_->finished()) return {final_step()};
  }
  return start_round(now);
}

Steps SyncJobCore::start_round(Seconds now) {
  const auto usable = view_();
  std::vector<std::int64_t> ids;
  try {
    job_->set_nodes(usable.nodes);
    evaluating_ = false;
    ids = job_->start_next_round(now);
  } catch (const std::exception& e) {
    return {Step::failed(e.what() + usable.held_back)};
  }
  Steps out;
  for (auto id : ids) out.push_back(train_step(id));
  return out;
}

Steps SyncJobCore::next_round(Seconds now) {
  if (job_->finished()) return {final_step()};
  return start_round(now);
}

Step SyncJobCore::final_step() const {
  if (spec_.sync.allow_partial_rounds) return Step::done();
  const auto lost = lost_work(job_->rounds());
  return lost.empty() ? Step::done()
                      : Step::degraded(lost + " (--allow-partial-rounds accepts partial rounds)");
}

void SyncJobCore::on_task_started(std::int64_t id, Seconds now) {
  job_->task_started(id, now);
}

Steps SyncJobCore::on_task_computing(std::int64_t id, Seconds now) {
  job_->task_computing(id, now);
  Steps out;
  start_backups(now, out);  // its straggler time now has a start
  return out;
}

Steps SyncJobCore::on_train_done(std::int64_t id, Seconds now, const TrainResult& r) {
  if (job_->task(id).terminal()) {  // given up on, reassigned, or cancelled
    job_->settled(id);
    if (job_->cancelled(id) && !r.dropped) job_->late_arrival(id);
    return {};
  }
  if (r.dropped)
    job_->task_failed(id, now, r.receipt.reason);  // a drop-out is not re-run
  else if (!r.receipt.accepted)
    job_->task_failed(id, now, "update refused: " + r.receipt.reason);
  else
    job_->train_done(id, now, r.samples, r.loss, r.busy_s);
  Steps out;
  if (job_->task(id).state == TaskState::done)
    if (auto twin = job_->cancel_twin(id, now))
      out.push_back(Step::release(*twin, job_->task(*twin).node));
  aggregate_if_complete(now, out);
  start_backups(now, out);
  return out;
}

Steps SyncJobCore::on_evaluated(std::int64_t id, Seconds now,
                                const models::ClassificationMetrics& metrics) {
  if (job_->task(id).terminal()) return {};
  if (job_->held_out(id))
    job_->held_out_done(id, now, metrics);
  else
    job_->central_done(id, now, metrics);
  return end_round_if_evaluated(now);
}

Steps SyncJobCore::end_round_if_evaluated(Seconds now) {
  if (!evaluating_) return {};
  if (central_ && job_->eval_task().state != TaskState::done) return {};
  if (!job_->held_out_complete()) return {};
  if (!central_ && job_->held_out_record().nodes == 0) {
    std::string why;
    for (const auto& n : job_->held_out_record().per_node)
      why += (why.empty() ? "" : "; ") + n.node + ": " + n.error;
    return {Step::failed("federated evaluation of round " + std::to_string(job_->round()) +
                         " failed on every node" + (why.empty() ? "" : ": " + why))};
  }
  evaluating_ = false;
  job_->end_round(now, version_);
  Steps out{Step::announce(job_->rounds().back())};
  const int round = job_->round();
  const bool due =
      !spec_.checkpoint.dir.empty() && (round % spec_.checkpoint.every == 0 || job_->finished());
  const bool pause = pause_requested_ && !job_->finished();
  if (due || pause) {
    // The aggregator holds the model; the next round starts (or the job
    // yields) once it is on disk.
    pausing_ = pause;
    pause_only_ = pause && !due;
    out.push_back(pause_only_ ? Step::pause_checkpoint(round, job_->rounds())
                              : Step::checkpoint(round, job_->rounds()));
    return out;
  }
  for (auto& s : next_round(now)) out.push_back(std::move(s));
  return out;
}

Steps SyncJobCore::on_checkpointed(Seconds now) {
  return next_round(now);
}

bool SyncJobCore::replace_failed(std::int64_t id, const std::string& why, Seconds now, Steps& out) {
  // A node's held-out examples are its own: no other node can evaluate them.
  if (job_->held_out(id)) return true;
  // Its backup copy (or the straggler it backs up) may still deliver the shard.
  if (job_->covered(id)) return true;
  if (auto next = job_->reassign(id, now)) {
    if (job_->task(*next).kind == TaskKind::train)
      out.push_back(train_step(*next));
    else if (evaluating_ && central_)
      out.push_back(eval_step(*next));
    // else: an evaluation not asked for yet; the aggregation's answer sends it.
    return true;
  }
  if (job_->task(id).kind == TaskKind::evaluate) {
    out.push_back(Step::failed("evaluation task " + std::to_string(id) + " failed: " + why));
    return false;
  }
  return true;
}

Steps SyncJobCore::on_task_failed(std::int64_t id, Seconds now, const std::string& why) {
  if (job_->task(id).terminal()) {
    job_->settled(id);  // a cancelled task's node answered
    return {};
  }
  job_->task_failed(id, now, why);
  if (job_->held_out(id)) return end_round_if_evaluated(now);
  Steps out;
  if (replace_failed(id, why, now, out)) aggregate_if_complete(now, out);
  return out;
}

Steps SyncJobCore::on_node_lost(const std::string& node, Seconds now, const std::string& why) {
  job_->set_nodes(view_().nodes);
  const auto reason = "node " + node + " lost: " + why;
  Steps out;
  for (auto id : job_->fail_tasks_on(node, now, reason))
    if (!replace_failed(id, reason, now, out)) return out;
  aggregate_if_complete(now, out);
  for (auto& s : end_round_if_evaluated(now)) out.push_back(std::move(s));
  return out;
}

// Nodes that joined mid-round get work from the next round on (start_round
// asks the view), except a shard of this round that waits for its node.
Steps SyncJobCore::on_nodes_changed(Seconds now) {
  job_->set_nodes(view_().nodes);
  Steps out;
  if (aggregating_ || job_->waiting().empty()) return out;
  for (auto id : job_->place_waiting(now)) out.push_back(train_step(id));
  return out;
}

void SyncJobCore::aggregate_if_complete(Seconds now, Steps& out) {
  if (aggregating_ || evaluating_) return;
  if (job_->eval_task().state != TaskState::assigned) return;  // already past aggregation
  if (!job_->round_closable(now)) return;
  if (!job_->training_complete()) {
    // Enough updates, or the deadline: the stragglers' updates will be late.
    const bool enough = job_->updates_in_round() >= job_->round_target();
    for (auto id : job_->close_training(
             now, enough ? "round closed with enough updates" : "round deadline passed"))
      out.push_back(Step::release(id, job_->task(id).node));
  }
  auto accepted = job_->accepted_updates();
  if (accepted.empty()) {
    const auto why = explain_failures(round_failures(job_->tracker(), job_->round()));
    out.push_back(Step::failed("no node delivered an update in round " +
                               std::to_string(job_->round()) + (why.empty() ? "" : ": " + why)));
    return;
  }
  aggregating_ = true;
  out.push_back(Step::aggregate(job_->round(), std::move(accepted)));
}

Steps SyncJobCore::on_aggregated(const AggregationResult& result, Seconds now) {
  aggregating_ = false;
  job_->aggregated(version_, result.version, result.changed);
  version_ = result.version;
  fingerprint_ = result.fingerprint;
  evaluating_ = true;
  Steps out;
  if (central_) out.push_back(eval_step(job_->eval_task().id));
  if (federated_)
    for (auto id : job_->start_held_out_evals(now))
      out.push_back(Step::evaluate_held_out(id, job_->task(id).node, job_->round(), version_));
  if (out.empty()) return end_round_if_evaluated(now);  // no node left to evaluate
  return out;
}

Steps SyncJobCore::on_aggregation_failed(const std::string& why) {
  aggregating_ = false;
  return {Step::failed("aggregation failed: " + why)};
}

Steps SyncJobCore::on_tick(Seconds now) {
  Steps out;
  job_->expire_waiting(now);        // the join deadline may have passed
  aggregate_if_complete(now, out);  // or a round deadline
  start_backups(now, out);          // or a task fell far behind its round
  return out;
}

void SyncJobCore::start_backups(Seconds now, Steps& out) {
  if (aggregating_ || evaluating_) return;
  if (job_->eval_task().state != TaskState::assigned) return;  // training closed
  for (auto id : job_->start_backups(now)) out.push_back(train_step(id));
  // Ticks come every half second or so: a wake makes a backup start when the
  // rule says, not up to a tick later. One pending wake at a time, unless an
  // earlier one is needed.
  const auto at = job_->next_backup_check(now);
  if (at && (!wake_at_ || *wake_at_ <= now || *at < *wake_at_)) {
    wake_at_ = at;
    out.push_back(Step::wake(*at));
  }
}

}  // namespace troupe::runtime
