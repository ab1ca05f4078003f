// SyncJob's federated evaluation: one evaluation task per node that trained
// in the round, each on the node's own held-out examples.
#include <algorithm>

#include "runtime/core/decomposer.hpp"
#include "runtime/scheduling/sync_job.hpp"

namespace troupe::runtime {

std::vector<std::int64_t> SyncJob::start_held_out_evals(Seconds now) {
  held_out_ids_.clear();
  held_out_metrics_.clear();
  std::vector<std::string> nodes;
  for (auto id : accepted_updates()) {
    const auto& node = tracker_.get(id).node;
    const bool known =
        std::any_of(nodes_.begin(), nodes_.end(), [&](const NodeInfo& n) { return n.id == node; });
    if (known && std::find(nodes.begin(), nodes.end(), node) == nodes.end()) nodes.push_back(node);
  }
  for (const auto& node : nodes) {
    Task t;
    t.id = next_id_++;
    t.kind = TaskKind::evaluate;
    t.round = round_;
    t.priority = kEvaluatePriority;
    // Its node's held-out part of the examples it trained on.
    double trained = 0.0;
    for (auto id : accepted_updates())
      if (tracker_.get(id).node == node) trained += static_cast<double>(tracker_.get(id).samples);
    t.demand = trained * job_.eval.local_test_fraction * kEvaluateCostPerExample;
    const auto id = t.id;
    tracker_.add(std::move(t), now);
    tracker_.assign(id, node, now);
    held_out_ids_.push_back(id);
  }
  return held_out_ids_;
}

bool SyncJob::held_out(std::int64_t id) const {
  return std::find(held_out_ids_.begin(), held_out_ids_.end(), id) != held_out_ids_.end();
}

void SyncJob::held_out_done(std::int64_t id, Seconds now,
                            const models::ClassificationMetrics& metrics) {
  if (!held_out(id)) throw std::logic_error("held_out_done: not a federated evaluation task");
  tracker_.finish(id, now, examples_of(metrics), metrics.loss);
  held_out_metrics_[id] = metrics;
}

bool SyncJob::held_out_complete() const {
  return std::all_of(held_out_ids_.begin(), held_out_ids_.end(),
                     [&](std::int64_t id) { return tracker_.get(id).terminal(); });
}

FederatedRecord SyncJob::held_out_record() const {
  std::vector<NodeOutcome> outcomes;
  for (auto id : held_out_ids_) {
    const auto& t = tracker_.get(id);
    NodeOutcome o;
    o.node = t.node;
    if (auto it = held_out_metrics_.find(id); it != held_out_metrics_.end())
      o.metrics = it->second;
    else if (t.terminal())
      o.error = t.error.empty() ? "failed" : t.error;
    else
      continue;  // still running: not part of the record yet
    outcomes.push_back(std::move(o));
  }
  return federated_record(outcomes);
}

}  // namespace troupe::runtime
