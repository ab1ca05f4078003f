#pragma once
/// \file
/// What an aggregator does, free of any transport: accept updates, combine
/// them into numbered global model versions, hand out the versions it holds
/// and the state a checkpoint needs. SyncAggregator (rounds) and
/// AsyncAggregator (FedAsync, FedBuff) implement it; the aggregator actor only
/// translates messages into these calls.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/aggregation/async_aggregator_state.hpp"
#include "runtime/aggregation/update.hpp"
#include "runtime/aggregation/update_receipt.hpp"
#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Why an update was refused; a refused update is an error to its sender.
enum class Refusal {
  none,         ///< not refused: see the receipt
  wrong_round,  ///< for a round that is not being collected yet
  duplicate,    ///< its task already delivered an update
  invalid,      ///< malformed, over a limit, or from a base version not held
  failed,       ///< combining it failed
};

/// What accept() did with an update.
struct UpdateVerdict {
  Refusal refusal = Refusal::none;
  std::string reason;     ///< the refusal as a sentence, naming the task
  UpdateReceipt receipt;  ///< when not refused: accepted, or acknowledged and not used
  bool refused() const { return refusal != Refusal::none; }
};

/// A request to combine what was collected: in rounds, round `round` from the
/// updates of `task_ids` only (a reassigned task may have left a stray update);
/// asynchronously, the end of the job (apply what is buffered).
struct AggregateRequest {
  std::int32_t round = 0;
  std::vector<std::int64_t> task_ids;
  /// The round's tasks that delivered nothing (failed, lost, dropped out), as
  /// the scheduler knows them; the aggregator adds those it refused or was not asked to use.
  std::vector<UpdateFailure> failures;
  /// The shard the scheduler assigned each of `task_ids` (same order): an
  /// update that says it trained another one is refused, so that a node cannot
  /// borrow a bigger shard's example count. Empty: not checked.
  std::vector<std::int32_t> task_shards;
};

/// The answer to an AggregateRequest.
struct AggregateOutcome {
  std::int64_t version = 0;       ///< the new (or unchanged) global version
  std::int32_t updates = 0;       ///< updates that went into it
  bool changed = false;           ///< false: the strategy kept the current model
  std::uint64_t fingerprint = 0;  ///< models::fingerprint of that version
  double clip_norm = 0.0;         ///< central DP: the clip norm this aggregation used (0: none)
  SecureSumRecord secure;         ///< secure aggregation: the secure sum's counts
};

/// What a checkpoint keeps of an aggregator after round `round`.
struct AggregatorSnapshot {
  models::Parameters model;
  std::int64_t version = 0;
  std::int32_t round = 0;
  std::vector<models::Parameters> strategy_state;
  AsyncAggregatorState async;  ///< asynchronous modes only
};

/// The global model of a job and how updates reach it. Calls come from one thread at a time.
class AggregatorCore {
 public:
  virtual ~AggregatorCore() = default;
  /// Checks `update` and keeps or applies it.
  virtual UpdateVerdict accept(Update update) = 0;
  /// Combines what was collected (see AggregateRequest). Throws
  /// std::runtime_error with the reason when the request does not fit the
  /// aggregator's state or combining fails.
  virtual AggregateOutcome aggregate(const AggregateRequest& request) = 0;
  /// Combines a round whose updates were summed under secure aggregation: the
  /// strategy gets one update, the current model plus `average_change` (the
  /// weighted average change of the tasks in the sum), and the round's
  /// failures plus `excluded`. The default throws std::runtime_error: only
  /// synchronous rounds combine a secure sum this way.
  virtual AggregateOutcome aggregate_secure(const AggregateRequest& request,
                                            const models::Parameters& average_change,
                                            const std::vector<UpdateFailure>& excluded) {
    (void)request, (void)average_change, (void)excluded;
    throw std::runtime_error("this aggregation mode cannot combine a secure sum");
  }
  /// Applies one FedBuff buffer summed under secure aggregation: a new
  /// version from `average_change` (its members' weighted average change) and
  /// the staleness of `oldest_base`, its oldest member's base version
  /// (AsyncAggregator::apply_secure_buffer). The default throws
  /// std::runtime_error: only buffered aggregation applies secure buffers.
  virtual AggregateOutcome aggregate_secure_buffer(const models::Parameters& average_change,
                                                   std::int64_t oldest_base) {
    (void)average_change, (void)oldest_base;
    throw std::runtime_error("this aggregation mode cannot apply a secure buffer");
  }
  /// The current global version.
  virtual std::int64_t version() const = 0;
  /// Version `v` when still held, else null.
  virtual std::shared_ptr<const models::Parameters> get(std::int64_t v) const = 0;
  /// The state to checkpoint after `round`; throws std::runtime_error when this
  /// aggregator cannot be checkpointed then.
  virtual AggregatorSnapshot snapshot(std::int32_t round) const = 0;

  /// Examples each data shard of the job holds, as the scheduler learnt them
  /// at set-up. From then on accept() refuses an update that claims more
  /// examples than its shard holds (runtime/aggregation/update_claims.hpp);
  /// before, only its loss and score are checked.
  void set_holdings(std::vector<std::int64_t> examples_per_shard) {
    holdings_ = std::move(examples_per_shard);
  }
  const std::vector<std::int64_t>& holdings() const { return holdings_; }

 private:
  std::vector<std::int64_t> holdings_;
};

}  // namespace troupe::runtime
