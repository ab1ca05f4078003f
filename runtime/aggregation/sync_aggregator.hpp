#pragma once
/// \file
/// Synchronous rounds, free of any transport: collects the updates of the
/// round being collected and, when the scheduler closes it, combines the ones
/// it names with an AggregationStrategy into the next version.
///
/// Collection: an update for a later round or a task that already delivered is
/// refused; one for an earlier round is late (acknowledged, not used); one from
/// a base version not held, from a node with too many updates pending, or that
/// fails validation (runtime/aggregation/update_validation.hpp) is refused and
/// counts as a failure of the round. Combination: the named updates in shard
/// order (then task id), so a shard re-run elsewhere after a failure adds up in
/// the same order as in an undisturbed run and models stay bit-identical; the
/// strategy also gets the round's failures.

#include <map>
#include <memory>

#include "runtime/aggregation/aggregator_core.hpp"
#include "runtime/aggregation/strategy.hpp"
#include "runtime/aggregation/update_validation.hpp"

namespace troupe::runtime {

struct SyncOptions {
  UpdateLimits limits;                   ///< every update is checked against these
  std::size_t max_pending_per_node = 1;  ///< updates held per node at most (>= 1)
  /// Versions kept (at least 1). A synchronous round starts from the current
  /// version and ends after its evaluation, so no task of the job's needs an
  /// older one; a task given up may still ask for it and is told it is gone.
  /// Versions lent (shared memory, the data plane) hold their own references.
  std::size_t versions_kept = 1;
};

class SyncAggregator final : public AggregatorCore {
 public:
  /// Starts at version 0 = `initial`, collecting round 1.
  SyncAggregator(std::unique_ptr<AggregationStrategy> strategy, models::Parameters initial,
                 SyncOptions options);

  /// Continues from a checkpoint: its model as its version, the strategy's
  /// state, collecting the round after it. Throws std::invalid_argument when the
  /// state does not fit the strategy.
  void resume(AggregatorSnapshot snapshot);

  UpdateVerdict accept(Update update) override;
  AggregateOutcome aggregate(const AggregateRequest& request) override;
  AggregateOutcome aggregate_secure(const AggregateRequest& request,
                                    const models::Parameters& average_change,
                                    const std::vector<UpdateFailure>& excluded) override;
  std::int64_t version() const override { return version_; }
  std::shared_ptr<const models::Parameters> get(std::int64_t v) const override;
  AggregatorSnapshot snapshot(std::int32_t round) const override;

  std::int32_t collecting_round() const { return collecting_round_; }
  const AggregationStrategy& strategy() const { return *strategy_; }

 private:
  void publish(std::int64_t version, models::Parameters params);
  /// The request's failures plus the refused and unnamed updates of the round, by task id.
  std::vector<UpdateFailure> failures_of(const AggregateRequest& request) const;
  /// Drops (as refused) each named update whose shard is not the one the
  /// scheduler assigned its task (AggregateRequest::task_shards).
  void refuse_borrowed_shards(const AggregateRequest& request);
  /// Ends the round: the strategy combines `round` into the next version.
  AggregateOutcome combine(std::vector<Update> round, const std::vector<UpdateFailure>& failures);

  std::unique_ptr<AggregationStrategy> strategy_;
  SyncOptions options_;
  std::map<std::int64_t, std::shared_ptr<const models::Parameters>> versions_;
  std::int64_t version_ = 0;
  std::int32_t collecting_round_ = 1;
  std::map<std::int64_t, Update> updates_;  ///< this round's, by task id
  std::vector<UpdateFailure> refused_;      ///< this round's refused updates
};

}  // namespace troupe::runtime
