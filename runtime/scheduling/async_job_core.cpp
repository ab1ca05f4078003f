#include "runtime/scheduling/async_job_core.hpp"

#include <algorithm>
#include <stdexcept>

namespace troupe::runtime {

AsyncJobCore::AsyncJobCore(JobCoreInputs inputs)
    : JobCore(inputs.version, inputs.resume ? inputs.resume->fingerprint : 0),
      view_(std::move(inputs.nodes)) {
  job_ = std::make_unique<AsyncJob>(std::move(inputs.spec), std::move(inputs.shard_sizes),
                                    inputs.test_size, view_().nodes);
  if (inputs.resume) {
    if (inputs.resume->core_state.empty())
      throw std::runtime_error("the checkpoint holds no asynchronous job state");
    job_->restore(async_job_state_from_json(inputs.resume->core_state),
                  std::move(inputs.resume->records));
    fingerprint_version_ = version_;
  }
}

RunReport AsyncJobCore::report(Seconds wall, RunStatus status, const std::string& error) const {
  auto r = job_->report(wall, status, error);
  add_privacy(r);
  return r;
}

Steps AsyncJobCore::pump(Seconds now) {
  if (job_->finished()) return {Step::done()};
  if (aggregating_) return {};
  Steps out;
  try {
    if (job_->final_pending() && !flushed_) {
      // The last updates are in: apply what FedBuff still buffers, then evaluate.
      aggregating_ = true;
      std::vector<std::int64_t> accepted;
      for (const auto& t : job_->tracker().tasks())
        if (t.kind == TaskKind::train && t.state == TaskState::done && t.version >= 0)
          accepted.push_back(t.id);
      return {Step::flush(std::move(accepted))};
    }
    if (!buffers_settled(now)) {
      // The round's updates are still in their secure buffers: evaluate the
      // versions they make, not the one before them.
    } else if (auto id = job_->next_eval(now, version_)) {
      const auto& t = job_->task(*id);
      out.push_back(Step::evaluate(*id, t.node, t.round, t.base_version));
    }
    for (auto id : job_->fill(now, version_)) {
      const auto& t = job_->task(id);
      out.push_back(Step::train(id, t.node, t.round, t.shard, t.base_version, t.seed));
    }
  } catch (const std::exception& e) {
    return {Step::failed(e.what())};
  }
  if (job_->stuck())
    out.push_back(Step::failed("no usable node left (" + std::to_string(job_->accepted()) +
                               " updates accepted)"));
  return out;
}

Steps AsyncJobCore::on_train_done(std::int64_t id, Seconds now, const TrainResult& r) {
  if (job_->task(id).terminal()) return {};
  if (r.dropped) {
    job_->train_dropped(id, now, r.receipt.reason);
  } else {
    job_->train_done(id, now, r.samples, r.loss, r.busy_s, r.receipt);
    version_ = std::max(version_, r.receipt.version);
    if (r.receipt.new_version && r.receipt.version > fingerprint_version_) {
      fingerprint_ = r.receipt.fingerprint;
      fingerprint_version_ = r.receipt.version;
    }
  }
  return pump(now);
}

Steps AsyncJobCore::on_evaluated(std::int64_t id, Seconds now,
                                 const models::ClassificationMetrics& metrics) {
  if (job_->task(id).terminal()) return {};
  job_->eval_done(id, now, metrics, job_->task(id).base_version);
  Steps out{Step::announce(job_->rounds().back())};
  const auto& cp = job_->job().checkpoint;
  const int round = job_->round();
  if (!cp.dir.empty() && (round % cp.every == 0 || job_->finished())) {
    // Taken now, between two events, so the aggregator's model holds exactly
    // the updates this state counts; training goes on while it is written.
    auto state = job_->state();
    std::vector<std::int64_t> in_flight;
    for (const auto& t : state.in_flight) in_flight.push_back(t.id);
    out.push_back(Step::checkpoint(round, job_->rounds(), async_job_state_to_json(state),
                                   std::move(in_flight)));
    // The last round's checkpoint is on disk before the job reports done.
    if (job_->finished()) return out;
  }
  for (auto& s : pump(now)) out.push_back(std::move(s));
  return out;
}

Steps AsyncJobCore::on_task_failed(std::int64_t id, Seconds now, const std::string& why) {
  if (job_->task(id).terminal()) return {};
  job_->task_failed(id, now, why);
  return pump(now);
}

Steps AsyncJobCore::on_node_lost(const std::string& node, Seconds now, const std::string& why) {
  job_->set_nodes(view_().nodes);
  job_->fail_tasks_on(node, now, "node " + node + " lost: " + why);
  return pump(now);
}

Steps AsyncJobCore::on_nodes_changed(Seconds now) {
  job_->set_nodes(view_().nodes);
  return pump(now);
}

Steps AsyncJobCore::on_aggregated(const AggregationResult& result, Seconds now) {
  aggregating_ = false;
  flushed_ = true;
  version_ = result.version;
  fingerprint_ = result.fingerprint;
  fingerprint_version_ = result.version;
  return pump(now);
}

bool AsyncJobCore::buffers_settled(Seconds now) {
  const auto& job = job_->job();
  if (!job.privacy.secure_aggregation || job.collab.mode != Mode::buffered) return true;
  // Round r is due after r * nodes accepted updates; all but the open buffer's
  // (at most K - 1, waiting for later updates) should have been summed by then.
  const std::int64_t due = static_cast<std::int64_t>(job_->round() + 1) * job.nodes;
  if (settled_ + job.async.buffer_size - 1 >= std::min(due, job_->accepted())) {
    unsettled_since_.reset();
    return true;
  }
  // A held update whose node vanished before joining is never settled: the
  // evaluation waits for it at most one task timeout.
  if (!unsettled_since_) unsettled_since_ = now;
  return now - *unsettled_since_ > job.cluster.task_timeout_s;
}

Steps AsyncJobCore::on_secure_buffer(const AggregationResult& result, Seconds now) {
  settled_ += result.secure.participants;
  if (!result.changed) return pump(now);
  if (result.version > version_) version_ = result.version;
  if (result.version > fingerprint_version_) {
    fingerprint_ = result.fingerprint;
    fingerprint_version_ = result.version;
  }
  return pump(now);
}

Steps AsyncJobCore::on_aggregation_failed(const std::string& why) {
  aggregating_ = false;
  return {Step::failed("final aggregation failed: " + why)};
}

}  // namespace troupe::runtime
