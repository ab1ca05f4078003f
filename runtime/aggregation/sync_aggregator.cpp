#include "runtime/aggregation/sync_aggregator.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/strategy_inputs.hpp"
#include "runtime/aggregation/update_claims.hpp"

namespace troupe::runtime {
namespace {

std::string task_text(std::int64_t id) {
  return "update of task " + std::to_string(id);
}

UpdateVerdict refuse(Refusal why, std::string reason) {
  UpdateVerdict v;
  v.refusal = why;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

SyncAggregator::SyncAggregator(std::unique_ptr<AggregationStrategy> strategy,
                               models::Parameters initial, SyncOptions options)
    : strategy_(std::move(strategy)), options_(std::move(options)) {
  if (!strategy_) throw std::invalid_argument("SyncAggregator: no strategy");
  options_.max_pending_per_node = std::max<std::size_t>(1, options_.max_pending_per_node);
  options_.versions_kept = std::max<std::size_t>(1, options_.versions_kept);
  publish(0, std::move(initial));
}

void SyncAggregator::resume(AggregatorSnapshot snapshot) {
  strategy_->load_state(snapshot.strategy_state);
  versions_.clear();
  updates_.clear();
  refused_.clear();
  collecting_round_ = snapshot.round + 1;
  publish(snapshot.version, std::move(snapshot.model));
}

void SyncAggregator::publish(std::int64_t version, models::Parameters params) {
  version_ = version;
  versions_[version] = std::make_shared<const models::Parameters>(std::move(params));
  while (versions_.size() > options_.versions_kept) versions_.erase(versions_.begin());
}

std::shared_ptr<const models::Parameters> SyncAggregator::get(std::int64_t v) const {
  auto it = versions_.find(v);
  return it == versions_.end() ? nullptr : it->second;
}

UpdateVerdict SyncAggregator::accept(Update update) {
  const auto id = update.task_id;
  if (update.round > collecting_round_)
    return refuse(Refusal::wrong_round, task_text(id) + " is for round " +
                                            std::to_string(update.round) + ", collecting round " +
                                            std::to_string(collecting_round_));
  UpdateVerdict verdict;
  verdict.receipt.version = version_;
  if (update.round < collecting_round_) {
    // The round closed without it: a late update, acknowledged and not used.
    verdict.receipt.reason = "late: round " + std::to_string(update.round) +
                             " was aggregated (collecting round " +
                             std::to_string(collecting_round_) + ")";
    return verdict;
  }
  if (updates_.count(id))
    return refuse(Refusal::duplicate, "duplicate update for task " + std::to_string(id));
  const auto pending = std::count_if(updates_.begin(), updates_.end(),
                                     [&](const auto& u) { return u.second.node == update.node; });
  auto why =
      !versions_.count(update.base_version)
          ? "base version " + std::to_string(update.base_version) + " is not held"
      : static_cast<std::size_t>(pending) >= options_.max_pending_per_node
          ? "node " + update.node + " already has " + std::to_string(pending) + " updates pending"
      : update.spooled ? validate_update(*versions_.at(version_), update.params.tensors,
                                         *update.spooled, options_.limits)
                       : validate_update(*versions_.at(version_), update.params, options_.limits);
  if (why.empty()) why = claim_problem(update, holdings());
  if (!why.empty()) {
    refused_.push_back({id, update.node, why});
    return refuse(Refusal::invalid, task_text(id) + " rejected: " + why);
  }
  verdict.receipt.accepted = true;
  verdict.receipt.staleness = version_ - update.base_version;
  updates_.emplace(id, std::move(update));
  return verdict;
}

void SyncAggregator::refuse_borrowed_shards(const AggregateRequest& request) {
  if (request.task_shards.size() != request.task_ids.size()) return;
  for (std::size_t i = 0; i < request.task_ids.size(); ++i) {
    auto it = updates_.find(request.task_ids[i]);
    if (it == updates_.end() || it->second.shard == request.task_shards[i]) continue;
    refused_.push_back({it->first, it->second.node,
                        "says it trained shard " + std::to_string(it->second.shard) +
                            ", was assigned shard " + std::to_string(request.task_shards[i])});
    updates_.erase(it);
  }
}

std::vector<UpdateFailure> SyncAggregator::failures_of(const AggregateRequest& request) const {
  std::vector<UpdateFailure> out = request.failures;
  std::set<std::int64_t> listed;
  for (const auto& f : out) listed.insert(f.task_id);
  for (const auto& f : refused_)
    if (listed.insert(f.task_id).second) out.push_back(f);
  const std::set<std::int64_t> named(request.task_ids.begin(), request.task_ids.end());
  for (const auto& [id, u] : updates_)
    if (!named.count(id) && listed.insert(id).second)
      out.push_back({id, u.node, "its update was not among the round's accepted tasks"});
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.task_id < b.task_id; });
  return out;
}

AggregateOutcome SyncAggregator::aggregate(const AggregateRequest& request) {
  if (request.round != collecting_round_)
    throw std::runtime_error("aggregate for round " + std::to_string(request.round) +
                             " while collecting round " + std::to_string(collecting_round_));
  refuse_borrowed_shards(request);
  const auto failures = failures_of(request);
  // Only the named updates count, in shard order (then task id).
  std::vector<std::int64_t> ids = request.task_ids;
  auto shard_of = [&](std::int64_t id) {
    auto it = updates_.find(id);
    return it == updates_.end() ? -1 : it->second.shard;
  };
  std::sort(ids.begin(), ids.end(), [&](std::int64_t a, std::int64_t b) {
    return std::make_pair(shard_of(a), a) < std::make_pair(shard_of(b), b);
  });
  std::vector<Update> round;
  for (auto id : ids) {
    auto it = updates_.find(id);
    if (it != updates_.end()) round.push_back(std::move(it->second));
  }
  // Weighted strategies (FedAvg: by samples) weigh an update by the examples
  // its shard registered, once the scheduler told us (set_holdings), not by
  // the count the update carries: a node cannot buy weight by claiming less
  // or more (more is refused in accept()). Shard mode: the same numbers.
  for (auto& u : round)
    if (u.shard >= 0 && static_cast<std::size_t>(u.shard) < holdings().size())
      u.samples = holdings()[static_cast<std::size_t>(u.shard)];
  return combine(std::move(round), failures);
}

AggregateOutcome SyncAggregator::aggregate_secure(const AggregateRequest& request,
                                                  const models::Parameters& average_change,
                                                  const std::vector<UpdateFailure>& excluded) {
  if (request.round != collecting_round_)
    throw std::runtime_error("aggregate for round " + std::to_string(request.round) +
                             " while collecting round " + std::to_string(collecting_round_));
  auto failures = failures_of(request);
  failures.insert(failures.end(), excluded.begin(), excluded.end());
  // The strategy sees the sum as one update from the current model: FedAvg
  // keeps it, a server optimiser steps along its change.
  Update sum;
  sum.task_id = -1;
  sum.round = request.round;
  sum.node = "secure sum";
  sum.base_version = version_;
  sum.samples = 1;
  sum.shard = -1;
  sum.params = *versions_.at(version_);
  apply_delta(sum.params, average_change, 1.0);
  std::vector<Update> round;
  round.push_back(std::move(sum));  // not an initializer list: that would copy the model
  return combine(std::move(round), failures);
}

AggregateOutcome SyncAggregator::combine(std::vector<Update> round,
                                         const std::vector<UpdateFailure>& failures) {
  updates_.clear();
  refused_.clear();
  ++collecting_round_;
  AggregateOutcome out;
  out.updates = static_cast<std::int32_t>(round.size());
  try {
    const auto& current = *versions_.at(version_);
    std::optional<models::Parameters> next;
    const bool spooled =
        std::any_of(round.begin(), round.end(), [](const Update& u) { return u.spooled; });
    if (spooled && strategy_->mean_weight()) {
      // Bytes in files: the same mean, a chunk of every update at a time.
      next = streamed_mean(strategy_->name(), current, round, *strategy_->mean_weight());
    } else {
      for (auto& u : round) u.load_spooled();
      next = strategy_->aggregate(current, round, failures);
    }
    if (next) {
      publish(version_ + 1, std::move(*next));
      out.changed = true;
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("aggregation failed: ") + e.what());
  }
  out.version = version_;
  out.fingerprint = models::fingerprint(*versions_.at(version_));
  out.clip_norm = strategy_->privacy_clip_norm();
  return out;
}

AggregatorSnapshot SyncAggregator::snapshot(std::int32_t round) const {
  if (round != collecting_round_ - 1)
    throw std::runtime_error("checkpoint after round " + std::to_string(round) +
                             " while collecting round " + std::to_string(collecting_round_));
  AggregatorSnapshot s;
  s.model = *versions_.at(version_);
  s.version = version_;
  s.round = round;
  s.strategy_state = strategy_->state();
  return s;
}

}  // namespace troupe::runtime
