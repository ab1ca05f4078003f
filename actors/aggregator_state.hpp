#pragma once
/// \file
/// The aggregator actor's state and the helpers its files share
/// (actors/aggregator_actor.cpp: messages and secure rounds;
/// actors/aggregator_transfers.cpp: model and update bytes;
/// actors/aggregator_buffers.cpp: buffered secure aggregation). Internal to
/// the aggregator: nothing else includes it.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "actors/aggregator_actor.hpp"
#include "net/bulk_channel.hpp"
#include "net/shared_block.hpp"
#include "net/update_parts.hpp"
#include "runtime/secure/buffer_cohorts.hpp"
#include "runtime/secure/secure_round.hpp"

namespace troupe::actors::aggregator {

/// A round's aggregate request, answered once its secure sum ends.
struct PendingAggregate {
  AggregateRequest request;
  caf::typed_response_promise<AggregateOutcome> promise;
};

/// The end-of-job flush of a buffered job, answered once its secure buffers ended.
struct PendingFlush {
  AggregateRequest request;  ///< task_ids: the accepted tasks, each to join first
  caf::typed_response_promise<AggregateOutcome> promise;
  double deadline = 0.0;  ///< stop waiting for joins then
};

/// (round, task, stage) of a participant's message waiting for its stage to close.
using SecureKey = std::tuple<std::int64_t, std::int64_t, std::int32_t>;

struct AggregatorState {
  AggregatorConfig config;
  /// Updates of the job in hand arriving in parts, by task id: at most
  /// kMostUpdatesInParts at a time; one whose node sent no part for a task
  /// timeout is dropped when another begins (set up with the job).
  net::UpdateParts in_parts{kMostUpdatesInParts, 0.0};
  static constexpr std::size_t kMostUpdatesInParts = 256;
  /// Masked inputs of secure sums arriving in parts, by task id, bounded as
  /// in_parts (each is the size runtime::secagg::masked_size() gives).
  net::UpdateParts secure_parts{kMostUpdatesInParts, 0.0};
  /// A data-plane ticket (net/bulk_channel.hpp): the update's bytes arrive
  /// under it at `receiver`, then the update without them.
  struct BulkTicket {
    std::string ticket;
    std::weak_ptr<net::BulkReceiver> receiver;  ///< the one that issued it
    double lapses = 0.0;                        ///< now() when the receiver drops it
  };
  /// The job in hand's tickets, by task id; a lapsed one goes when another is issued.
  std::map<std::int64_t, BulkTicket> bulk_tickets;
  static constexpr std::size_t kMostBulkTickets = 4096;
  /// Model versions in shared blocks for nodes on this host, made on their
  /// first request: the kMostSharedModels highest versions asked for. An
  /// older version gets no block; a node that reads a block after it was let
  /// go asks again without one (actors/node_tasks.cpp).
  std::map<std::int64_t, std::shared_ptr<const net::SharedBlock>> shared_models;
  static constexpr std::size_t kMostSharedModels = 2;
  runtime::JobSpec job;
  std::unique_ptr<runtime::AggregatorCore> core;
  // Secure aggregation: the open sums by round, the messages waiting for
  // their answer, the aggregate request waiting for its sum.
  std::int64_t secure_length = 0;  ///< ring elements per input (model floats + 1)
  std::int64_t secure_done = 0;    ///< rounds up to this one are aggregated
  std::map<std::int64_t, runtime::SecureRound> secure;
  std::map<SecureKey, caf::typed_response_promise<SecAggMessage>> waiting;
  std::optional<PendingAggregate> pending;
  std::optional<double> armed;  ///< the deadline a tick is on its way for
  // Buffered (FedBuff): the cohorts forming, the joins waiting for theirs,
  // each running buffer's members' base versions, the end-of-job flush, and
  // the scheduler that set the job up (told of every applied buffer).
  std::optional<runtime::BufferCohorts> buffers;
  std::map<std::int64_t, caf::typed_response_promise<SecAggMessage>> joins;  ///< by task
  std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> bases;  ///< buffer -> task -> base
  std::optional<PendingFlush> flushing;
  caf::strong_actor_ptr scheduler;

  bool buffered() const {
    return job.privacy.secure_aggregation && job.collab.mode == runtime::Mode::buffered;
  }
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  /// Each stage waits a fifth of the task timeout, so that a whole sum (four
  /// stages) ends within the scheduler's timeout for the aggregate request.
  double stage_timeout_s() const { return job.cluster.task_timeout_s / 5.0; }

  static inline const char* name = "troupe.aggregator";
};

using AggregatorPtr = aggregator_actor::stateful_pointer<AggregatorState>;

/// The secure sum of round (or buffer) `cohort`, opened on its first message.
runtime::SecureRound& secure_round(AggregatorState& st, std::int64_t cohort);
/// Answers the waiting messages among `replies`; a refusal is logged, naming its task.
void deliver(AggregatorState& st, std::int64_t cohort,
             const std::vector<runtime::SecureReply>& replies);
/// Wakes the actor up (tick) at `deadline`.
void arm(AggregatorPtr self, std::optional<double> deadline);
/// After any change to round (or buffer) `cohort`: completes it when its sum
/// ended, else wakes up at its next deadline.
void follow_up(AggregatorPtr self, std::int64_t cohort);

// Transfers of model and update bytes (actors/aggregator_transfers.cpp).

/// Drops every data-plane ticket of the job that ended (and what arrived under them).
void forget_bulk_tickets(AggregatorState& st);
/// A ticket for `req`'s bytes over this process's data plane, or why not.
caf::result<BulkOffer> offer_bulk(AggregatorState& st, const BulkRequest& req);
/// Model version `req.version` for a node in another process: in a shared
/// block (a node on this host), lent over the data plane, or in the answer.
caf::result<ModelOffer> offer_model(AggregatorState& st, const ModelRequest& req);
/// An update from a node: its bytes in it, in parts (sent by `sender`, as
/// the update), under a data-plane ticket, or in the node's block `shared`
/// (not null: one host).
caf::result<runtime::UpdateReceipt> receive_update(AggregatorState& st, ModelUpdate& update,
                                                   const net::SharedBlockRef* shared,
                                                   const std::string& sender);

// Buffered secure aggregation (actors/aggregator_buffers.cpp).

/// A member excluded before any sum (alone in its buffer, or its join refused).
void tell_excluded(AggregatorPtr self);
/// A buffer's cohort closed: its joins are answered with its id (a lone
/// member is excluded) and its secure sum waits for their advertisements.
void start_buffer(AggregatorPtr self, const runtime::ClosedCohort& c);
/// The end-of-job flush: once every accepted task joined (or its wait
/// ended), the open cohort closes, and once no buffer is running the
/// aggregator flushes and answers.
void check_flush(AggregatorPtr self);
/// Buffer `cohort`'s secure sum ended: applies it as one FedBuff version (or
/// logs why it failed), tells the scheduler, and forgets the buffer.
void complete_buffer(AggregatorPtr self, std::int64_t cohort, runtime::SecureRound& round);

}  // namespace troupe::actors::aggregator
