#pragma once
/// \file
/// The messages of secure aggregation (--secure-aggregation): one envelope for
/// every stage of runtime/secagg's protocol, its atom and serialisation. Part
/// of the protocol (actors/protocol.hpp includes it, registers SecAggMessage and
/// lists the aggregator's handler); kept apart so that the protocol header
/// stays readable.
///
/// A synchronous round under secure aggregation (runtime/secure/secure_round.hpp):
///
///   node                                  aggregator                  scheduler
///     (trains, answers the TrainOutcome at once: its update stays on the node)
///     | -- secagg_atom, advertise ---------> |                            |
///     |                                      | <-- aggregate_atom, round -- |
///     | <-- roster (when stage 0 closes) --- |                            |
///     | -- shares --> ; <-- inbox ---------- |                            |
///     | -- masked input --> ; <-- survivors  |                            |
///     | -- unmasking --> ; <-- ack --------- |                            |
///     |                                      | -- AggregateOutcome ----->  |
///
/// Each reply comes when the stage closes: when everyone it waits for sent
/// their message, or at the stage deadline (a fifth of --task-timeout).
///
/// Buffered (FedBuff): the node first sends a join (stage -1, cohort 0, its
/// base version and node); the answer, when the buffer's cohort closes
/// (runtime/secure/buffer_cohorts.hpp), names the cohort, and the four stages
/// follow as above. The aggregator applies the sum at once and tells the
/// scheduler (secagg_atom, run id, AggregateOutcome).

#include <caf/all.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "actors/byte_blocks.hpp"

namespace troupe::actors {

/// One participant's message of one stage of a secure sum, and the aggregator's
/// answer to it (the same envelope, with the next stage's input as payload).
struct SecAggMessage {
  std::uint64_t run_id = 0;           ///< the job's JobSpec::run_id
  std::int64_t cohort = 0;            ///< the round (sync) or buffer (buffered) the sum belongs to
  std::int64_t task_id = 0;           ///< the participant: its training task
  std::int32_t stage = 0;             ///< runtime::SecureStage of the message answered
  std::int32_t participants = 0;      ///< answers to advertisements: the roster's size
  std::vector<std::uint8_t> payload;  ///< runtime::secagg's byte string
  /// A join (buffered): the global version the update was trained from.
  std::int64_t base_version = 0;
  /// A join (buffered): the node it trained on (a buffer takes one task per node).
  std::string node;
};

/// A stage message of a secure sum (the aggregator answers SecAggMessage).
using secagg_atom = caf::atom_constant<caf::atom("secagg")>;

/// The payload goes through CAF's raw byte path (std::vector<uint8_t>).
template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type inspect(
    Inspector& f, SecAggMessage& x) {
  return f(caf::meta::type_name("troupe.SecAggMessage"), x.run_id, x.cohort, x.task_id, x.stage,
           x.participants, x.payload, x.base_version, x.node);
}

/// Read back with the payload through load_bytes (actors/byte_blocks.hpp).
template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type inspect(
    Inspector& f, SecAggMessage& x) {
  if (auto err = f(caf::meta::type_name("troupe.SecAggMessage"), x.run_id, x.cohort, x.task_id,
                   x.stage, x.participants))
    return err;
  if (auto err = load_bytes(f, x.payload)) return err;
  return f(x.base_version, x.node);
}

}  // namespace troupe::actors
