#pragma once
/// \file
/// What carries model bytes: a model version as nodes fetch it
/// (SharedModel), the shard sizes a node reports (DataSummary), the parts
/// of a large update (UpdatePart), the data-plane ticket for one
/// (BulkRequest, BulkOffer) and for a model version (ModelRequest,
/// ModelOffer), the shared block of either on one host (net::SharedBlockRef),
/// with the Parameters they travel as. Part
/// of the protocol (actors/protocol.hpp includes it and registers these
/// types); kept apart so that the protocol header stays readable.

#include <caf/all.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "actors/byte_blocks.hpp"
#include "models/parameters.hpp"
#include "net/shared_block.hpp"

namespace troupe::models {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TensorInfo& x) {
  return f(caf::meta::type_name("troupe.TensorInfo"), x.name, x.dtype, x.shape, x.offset, x.nbytes);
}

/// The byte block goes through the processor's raw path (one memcpy), because
/// std::vector<unsigned char> is a byte sequence to CAF.
template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type inspect(
    Inspector& f, Parameters& x) {
  return f(caf::meta::type_name("troupe.Parameters"), x.tensors, x.bytes);
}

/// Read back through load_bytes (actors/byte_blocks.hpp): the same bytes on the wire.
template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type inspect(
    Inspector& f, Parameters& x) {
  if (auto err = f(caf::meta::type_name("troupe.Parameters"), x.tensors)) return err;
  return actors::load_bytes(f, x.bytes);
}

}  // namespace troupe::models

namespace troupe::actors {

/// A global model version as the aggregator hands it to nodes (model_atom).
/// Within a process it is shared, not copied: the aggregator answers every
/// fetch with the version it holds, and in-process nodes all hold that one
/// copy. Across processes it travels as its Parameters (a header per tensor
/// plus one raw byte block) and arrives as a model of its own. Never null.
struct SharedModel {
  std::shared_ptr<const models::Parameters> params;
};

/// What a node reports about the job's data after set-up. The sizes are
/// shared: the nodes of one process report the one list their catalog made
/// (a copy per node grew with the square of the nodes). They travel as a
/// plain list, as before they were shared.
struct DataSummary {
  /// Examples per shard of the job's partition; null reads as none.
  std::shared_ptr<const std::vector<std::int64_t>> shard_sizes;
  std::int64_t test_size = 0;

  const std::vector<std::int64_t>& sizes() const {
    static const std::vector<std::int64_t> none;
    return shard_sizes ? *shard_sizes : none;
  }
};

/// Part of an update's parameter bytes (update_part_atom), for an update
/// larger than a node's --update-part-mib: the message guard closes a
/// connection that announces a message over the aggregator's --max-message.
/// A node sends the parts in order, each after the previous one was
/// answered, then the update itself with its tensors but no bytes; the
/// aggregator puts the bytes back before it looks at the update.
struct UpdatePart {
  std::uint64_t run_id = 0;  ///< the job's JobSpec::run_id
  std::int64_t task_id = 0;
  std::int64_t offset = 0;  ///< of these bytes in the update's block
  std::int64_t total = 0;   ///< the whole block's bytes
  std::vector<unsigned char> bytes;
};

/// A node's request for a data-plane ticket (bulk_atom): it would send the
/// bytes of task `task_id`'s update, `size` of them, over a connection of
/// their own (net/bulk_channel.hpp) instead of inside the update message.
struct BulkRequest {
  std::uint64_t run_id = 0;  ///< the job's JobSpec::run_id
  std::int64_t task_id = 0;
  std::int64_t size = 0;  ///< the update's parameter bytes
};

/// The aggregator's answer: send the bytes with `ticket` to `port` of the
/// first of `hosts` that takes a connection, then the update without them.
struct BulkOffer {
  std::string ticket;  ///< net::kBulkTicketSize random bytes
  std::uint16_t port = 0;
  std::vector<std::string> hosts;
};

/// A node's request for model `version` (model_atom) from an aggregator in
/// another process: the bytes come in a shared block when `host` is the
/// aggregator's own net::shared_host_key() (empty: the node does not read
/// shared blocks); else over the data plane when the model has `min_bytes`
/// or more (the node's --bulk-min-mib); else in the answer.
struct ModelRequest {
  std::int64_t version = 0;
  std::int64_t min_bytes = 0;
  std::string host;
};

/// The aggregator's answer: the model in `model`; or the model's layout in
/// `model` (its tensors, no bytes) and its `size` bytes in the block `shared`
/// names (net/shared_block.hpp) or, when `offer` has a ticket, lent under the
/// ticket (net::fetch_bulk).
struct ModelOffer {
  std::int64_t version = 0;
  SharedModel model;
  BulkOffer offer;
  std::int64_t size = 0;
  net::SharedBlockRef shared;
};

/// Written from the shared sizes (serialisers only read them); read into a new list.
template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type inspect(
    Inspector& f, DataSummary& x) {
  return f(caf::meta::type_name("troupe.DataSummary"),
           const_cast<std::vector<std::int64_t>&>(x.sizes()), x.test_size);
}

template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type inspect(
    Inspector& f, DataSummary& x) {
  auto sizes = std::make_shared<std::vector<std::int64_t>>();
  auto result = f(caf::meta::type_name("troupe.DataSummary"), *sizes, x.test_size);
  x.shard_sizes = std::move(sizes);
  return result;
}

/// Written from the shared model (serialisers only read it); read into a new one.
template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type inspect(
    Inspector& f, SharedModel& x) {
  static const models::Parameters none;
  return f(caf::meta::type_name("troupe.SharedModel"),
           const_cast<models::Parameters&>(x.params ? *x.params : none));
}

template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type inspect(
    Inspector& f, SharedModel& x) {
  auto params = std::make_shared<models::Parameters>();
  auto result = f(caf::meta::type_name("troupe.SharedModel"), *params);
  x.params = std::move(params);
  return result;
}

/// The bytes go through the processor's raw path, as Parameters' do.
template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type inspect(
    Inspector& f, UpdatePart& x) {
  return f(caf::meta::type_name("troupe.UpdatePart"), x.run_id, x.task_id, x.offset, x.total,
           x.bytes);
}

/// Read back through load_bytes, as Parameters' are.
template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type inspect(
    Inspector& f, UpdatePart& x) {
  if (auto err =
          f(caf::meta::type_name("troupe.UpdatePart"), x.run_id, x.task_id, x.offset, x.total))
    return err;
  return load_bytes(f, x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BulkRequest& x) {
  return f(caf::meta::type_name("troupe.BulkRequest"), x.run_id, x.task_id, x.size);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BulkOffer& x) {
  return f(caf::meta::type_name("troupe.BulkOffer"), x.ticket, x.port, x.hosts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ModelRequest& x) {
  return f(caf::meta::type_name("troupe.ModelRequest"), x.version, x.min_bytes, x.host);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ModelOffer& x) {
  return f(caf::meta::type_name("troupe.ModelOffer"), x.version, x.model, x.offer, x.size,
           x.shared);
}

}  // namespace troupe::actors

namespace troupe::net {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SharedBlockRef& x) {
  return f(caf::meta::type_name("troupe.SharedBlockRef"), x.pid, x.fd, x.name, x.size);
}

}  // namespace troupe::net
