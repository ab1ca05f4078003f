#pragma once
/// \file
/// The JobCore of an asynchronous job (FedAsync, FedBuff): runtime::AsyncJob
/// as steps. After every event the core "pumps": it evaluates a due round on
/// an idle node (evaluate step), gives every idle usable node a training task
/// (train steps), and once every update is in asks the aggregator to apply
/// what it still buffers (flush step) before the final evaluation. A node
/// that fails repeatedly gets no more work; the job fails when no usable node
/// is left while work remains.

#include <memory>
#include <optional>

#include "runtime/scheduling/async_job.hpp"
#include "runtime/scheduling/job_core.hpp"

namespace troupe::runtime {

class AsyncJobCore final : public JobCore {
 public:
  /// Throws when the job has no shard or no node.
  explicit AsyncJobCore(JobCoreInputs inputs);

  const TaskTracker& tracker() const override { return job_->tracker(); }
  int round() const override { return job_->round(); }
  const std::vector<RoundRecord>& rounds() const override { return job_->rounds(); }
  RunReport report(Seconds wall, RunStatus status, const std::string& error) const override;

 private:
  Steps on_start(Seconds now) override { return pump(now); }
  void on_task_started(std::int64_t id, Seconds now) override { job_->task_started(id, now); }
  Steps on_train_done(std::int64_t id, Seconds now, const TrainResult& result) override;
  Steps on_evaluated(std::int64_t id, Seconds now,
                     const models::ClassificationMetrics& metrics) override;
  Steps on_task_failed(std::int64_t id, Seconds now, const std::string& why) override;
  Steps on_node_lost(const std::string& node, Seconds now, const std::string& why) override;
  Steps on_nodes_changed(Seconds now) override;
  Steps on_aggregated(const AggregationResult& result, Seconds now) override;
  Steps on_aggregation_failed(const std::string& why) override;
  Steps on_secure_buffer(const AggregationResult& result, Seconds now) override;
  Steps on_checkpointed(Seconds now) override { return pump(now); }
  Steps on_tick(Seconds now) override { return pump(now); }

  /// Moves the job on: the final flush, a due evaluation, work for idle
  /// nodes; done when every round is evaluated, failed when stuck.
  Steps pump(Seconds now);
  /// Buffered secure aggregation: whether the updates the next evaluation
  /// counts have left their secure buffers (always true otherwise).
  bool buffers_settled(Seconds now);

  NodeView view_;
  std::unique_ptr<AsyncJob> job_;
  std::int64_t fingerprint_version_ = -1;   ///< the version `fingerprint_` is of
  bool aggregating_ = false;                ///< a flush step awaits its answer
  bool flushed_ = false;                    ///< the final flush is done
  std::int64_t settled_ = 0;                ///< held updates whose secure buffer ended
  std::optional<Seconds> unsettled_since_;  ///< when an evaluation began to wait for buffers
};

}  // namespace troupe::runtime
