#pragma once
/// \file
/// A trained task's part in a secure sum, as its own small actor: the node
/// spawns one per task once it trained, and it runs the task's SecAgg+ stages
/// with the aggregator (a join first in buffered mode) and then quits. Apart
/// from the node because the node trains in its own thread: the aggregator's
/// answers would wait in the node's mailbox while it trains its next task,
/// and every stage would close at its deadline instead of when everyone sent.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/protocol.hpp"
#include "models/parameters.hpp"
#include "runtime/secure/secure_round.hpp"
#include "runtime/system/traffic.hpp"

namespace troupe::actors {

/// What the task brings to its secure sum: the update stays here until it
/// leaves masked.
struct SecureContribution {
  std::uint64_t run_id = 0;
  std::int64_t task_id = 0;
  /// The round (sync; the cohort is known) or 0 (buffered: the task joins a
  /// buffer first, whose id the aggregator answers).
  std::int64_t cohort = 0;
  models::Parameters trained;
  models::Parameters base;
  std::int64_t base_version = 0;  ///< the global version it trained from
  double weight = 1.0;            ///< of its change in the sum (the node's secure_weight)
};

/// How the participant behaves and whom it talks to.
struct SecureParticipantConfig {
  std::string node;  ///< the node's name, for log lines
  aggregator_actor aggregator;
  double task_timeout_s = 60.0;  ///< each answer is awaited up to twice this
  /// Tests: leave after the answer to this stage (0..3; -1: never) / pause
  /// this long before masking (NodeConfig's fields of the same names).
  int vanish_after = -1;
  double pause_before_masking_s = 0.0;
  std::shared_ptr<runtime::TrafficMeter> traffic;  ///< may be null
  /// On a thread of its own (nodes that have one: a node process, whose one
  /// CAF worker also sends the heartbeats, since masking a large model takes
  /// a while; and embedded nodes that are not pooled), else on the actor
  /// system's workers (pooled embedded nodes, thousands at a time).
  bool own_thread = false;
  /// An aggregator in another process takes a message larger than this in
  /// parts (the node's --update-part-mib; its guard closes a connection that
  /// announces more than its --max-message): a masked input is a model's worth.
  std::uint64_t part_bytes = std::uint64_t{64} << 20;
};

/// Spawns the participant of `contribution`; it quits when its sum ended for it.
void spawn_secure_participant(caf::local_actor* parent, SecureParticipantConfig config,
                              SecureContribution contribution);

}  // namespace troupe::actors
