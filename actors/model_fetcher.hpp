#pragma once
/// \file
/// How a node fetches a model version from an aggregator in another process.
/// It asks with a ModelRequest; the aggregator answers the model, or its
/// bytes in a shared block when the node is on its host, or, from
/// the node's --bulk-min-mib up, lends its bytes over the data plane
/// (net/bulk_channel.hpp) and answers their ticket. A fetcher, an actor with
/// a thread of its own (the bytes block it while they travel), then reads
/// them straight into the node's buffer. When that fails the model comes in
/// a message; when no address took the connection, so do the job's later
/// models on that node. Internal to the node: only node_tasks.cpp includes it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "actors/protocol.hpp"

namespace troupe::actors::node {

/// True when a node asks `aggregator` with a ModelRequest: an aggregator in
/// another process than `here`, and a node that uses the data plane
/// (`bulk_min`, its --bulk-min-mib in bytes, is not the maximum that TLS sets)
/// or `shared` blocks.
bool asks_for_model_offer(const caf::node_id& here, const aggregator_actor& aggregator,
                          std::uint64_t bulk_min, bool shared);

/// The model `offer.shared` holds (net/shared_block.hpp) in `out`, with the
/// layout in `offer.model`: "" when it was read and fits its layout, else
/// why not (`gone`, when given: the aggregator had let the block go). Not a
/// fetcher's job: reading a block is one copy in memory.
std::string read_shared_model(const ModelOffer& offer, std::shared_ptr<models::Parameters>& out,
                              bool* gone = nullptr);

/// Logs whether blocks go through shared memory with an aggregator on this
/// host: the first time it worked, and the first time it did not (why), in
/// this process at info level; later failures at debug level.
void note_shared_memory(const std::string& what, const std::string& why);

using fetcher_atom = caf::atom_constant<caf::atom("fetcher")>;

/// A fetcher for the model bytes `offer` lends: `(fetcher_atom)` answers the
/// model (the layout in `offer.model` with its bytes) or why not, then the
/// fetcher ends. Each stall of the connection ends after half of `timeout`
/// (the task timeout), 30 s at most.
/// `gave_up` (may be null) is set when no offered address took the
/// connection: the job's later models come in messages.
caf::actor spawn_model_fetcher(caf::local_actor* self, ModelOffer offer,
                               std::chrono::milliseconds timeout,
                               std::shared_ptr<std::atomic<bool>> gave_up);

/// Logs why a model comes in a message after all: the first time in this
/// process at info level, then at debug level.
void model_not_by_data_plane(const std::string& why);

}  // namespace troupe::actors::node
