#pragma once
/// \file
/// How a node's update reaches its job's aggregator: a courier actor per
/// task (actors/node_tasks.cpp spawns them). Inside CAF messages (whole, or
/// in parts above --update-part-mib), or, to an aggregator in another process
/// and from --bulk-min-mib up, its bytes over the data plane
/// (net/bulk_channel.hpp) and then the update without them, or, to an
/// aggregator on the same host, its bytes in a shared block named in the
/// update's message (net/shared_block.hpp). Internal to the
/// node: only node_tasks.cpp includes it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "actors/protocol.hpp"

namespace troupe::actors::node {

/// How a node sends its updates (NodeConfig).
struct UpdateRoute {
  std::chrono::milliseconds timeout{0};
  std::uint64_t part_bytes = 1;  ///< --update-part-mib
  std::uint64_t bulk_min = 0;    ///< --bulk-min-mib
  /// Set when no offered address took a connection: the job's later updates
  /// on this node go in messages (RunSlot::updates_in_messages). May be null.
  std::shared_ptr<std::atomic<bool>> gave_up;
  /// The update's bytes go in a shared block (net/shared_block.hpp) to an
  /// aggregator in another process of this host.
  bool shared = false;
  /// Set when the aggregator could not read the block: the job's later
  /// updates on this node go the other ways (RunSlot::updates_not_shared).
  /// May be null.
  std::shared_ptr<std::atomic<bool>> not_shared;
};

/// True when an update of `bytes` parameter bytes goes over the data plane:
/// an aggregator in another process than `here`, and enough bytes.
bool by_data_plane(const caf::node_id& here, const aggregator_actor& aggregator,
                   const UpdateRoute& route, std::uint64_t bytes);

using courier_atom = caf::atom_constant<caf::atom("courier")>;

/// A courier for the update that will be `*update` once the task has trained
/// (the node fills it, then asks `(courier_atom, TrainOutcome)`, and the
/// courier answers the outcome with the aggregator's receipt). `bulk`: the
/// update goes over the data plane, so the courier asks for its ticket at once,
/// while the node computes, and has a thread of its own (the bytes block it
/// while they travel). `(leave_atom)` ends a courier whose task did not train.
caf::actor spawn_courier(caf::local_actor* self, const aggregator_actor& aggregator,
                         const UpdateRoute& route, std::shared_ptr<ModelUpdate> update,
                         const std::optional<BulkRequest>& bulk);

}  // namespace troupe::actors::node
