// The aggregator's transfers of model and update bytes: model versions
// for nodes in other processes (in the answer, in a shared block on one
// host, or lent over the data plane), data-plane tickets for updates, and an
// update's bytes, wherever they came.

#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "actors/aggregator_state.hpp"
#include "actors/errors.hpp"
#include "net/bulk_channel.hpp"
#include "net/shared_block.hpp"
#include "runtime/spool/spooled_bytes.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors::aggregator {

namespace logging = runtime::logging;
using logging::Level;

namespace {

/// Removes and returns the data-plane ticket of `task`, if one was asked for.
std::optional<AggregatorState::BulkTicket> take_bulk_ticket(AggregatorState& st,
                                                            std::int64_t task) {
  auto it = st.bulk_tickets.find(task);
  if (it == st.bulk_tickets.end()) return std::nullopt;
  auto ticket = std::move(it->second);
  st.bulk_tickets.erase(it);
  return ticket;
}

void forget(const AggregatorState::BulkTicket& t) {
  if (const auto receiver = t.receiver.lock()) receiver->forget(t.ticket);
}

}  // namespace

/// Drops every ticket of the job that ended (and what arrived under them).
void forget_bulk_tickets(AggregatorState& st) {
  for (const auto& [task, ticket] : st.bulk_tickets) forget(ticket);
  st.bulk_tickets.clear();
}

/// A ticket for `req`'s bytes over this process's data plane, or why not.
caf::result<BulkOffer> offer_bulk(AggregatorState& st, const BulkRequest& req) {
  if (!st.core) return failure("the aggregator has no job");
  const auto task = std::to_string(req.task_id);
  if (req.run_id != st.job.run_id)
    return failure("update of task " + task + " belongs to an earlier job");
  const auto receiver = net::process_bulk_receiver();
  if (!receiver || receiver->port() == 0)
    return failure("no data plane here (TLS, or no message guard)");
  // An update has the model's layout, so its bytes are the model's.
  const auto model = st.core->get(st.core->version());
  const auto expected = model ? static_cast<std::int64_t>(model->bytes.size()) : 0;
  if (req.size != expected)
    return failure("update of task " + task + " announces " + std::to_string(req.size) +
                   " bytes; the model has " + std::to_string(expected));
  if (auto old = take_bulk_ticket(st, req.task_id)) forget(*old);
  const auto now = st.now();
  for (auto it = st.bulk_tickets.begin(); it != st.bulk_tickets.end();) {
    if (it->second.lapses >= now) {
      ++it;
      continue;
    }
    forget(it->second);
    it = st.bulk_tickets.erase(it);
  }
  // A ticket lives two task timeouts: a node that died holds no block for long.
  const double lifetime = 2.0 * st.job.cluster.task_timeout_s;
  auto ticket = st.bulk_tickets.size() < AggregatorState::kMostBulkTickets
                    ? receiver->expect(static_cast<std::uint64_t>(req.size), lifetime)
                    : std::string();
  if (ticket.empty()) return failure("too many data-plane tickets waiting");
  st.bulk_tickets[req.task_id] = {ticket, receiver, now + lifetime};
  return BulkOffer{std::move(ticket), receiver->port(), receiver->hosts()};
}

namespace {

/// The shared block of model version `version` (`p`), made on the first
/// request for it; null when none can be made (the reason is logged once).
std::shared_ptr<const net::SharedBlock> shared_model(AggregatorState& st, std::int64_t version,
                                                     const models::Parameters& p) {
  auto& blocks = st.shared_models;
  if (const auto it = blocks.find(version); it != blocks.end()) return it->second;
  // A version the aggregator no longer holds is asked for no more: its block
  // (a model's worth of shared memory) goes (a node reading it keeps its own
  // descriptor).
  for (auto it = blocks.begin(); it != blocks.end();)
    it = st.core && !st.core->get(it->first) ? blocks.erase(it) : std::next(it);
  // Older than every version held: it would be let go at once.
  if (blocks.size() >= AggregatorState::kMostSharedModels && version < blocks.begin()->first)
    return nullptr;
  std::string why;
  auto block = net::SharedBlock::create(p.bytes.data(), p.bytes.size(), why);
  if (!block) {
    static std::atomic<bool> said{false};
    if (!said.exchange(true))
      logging::Line(Level::info) << "troupe aggregator: models go to nodes on this host "
                                    "without shared memory ("
                                 << why << ")";
    return nullptr;
  }
  blocks.emplace(version, block);
  while (blocks.size() > AggregatorState::kMostSharedModels) blocks.erase(blocks.begin());
  return block;
}

}  // namespace

/// Model version `req.version` for a node in another process: in a shared
/// block when the node is on this host; else in the answer, or, from
/// `req.min_bytes` up and with a data plane here, lent under a ticket for the
/// node's fetcher (actors/model_fetcher.hpp). The version stays alive while
/// it is lent.
caf::result<ModelOffer> offer_model(AggregatorState& st, const ModelRequest& req) {
  auto p = st.core ? st.core->get(req.version) : nullptr;
  if (!p)
    return failure("model version " + std::to_string(req.version) + " is not held (current " +
                   std::to_string(st.core ? st.core->version() : -1) + ")");
  const auto size = p->bytes.size();
  if (size > 0 && !req.host.empty() && req.host == net::shared_host_key())
    if (const auto block = shared_model(st, req.version, *p)) {
      auto layout = std::make_shared<models::Parameters>();
      layout->tensors = p->tensors;
      return ModelOffer{req.version,
                        SharedModel{std::move(layout)},
                        {},
                        static_cast<std::int64_t>(size),
                        block->ref()};
    }
  const auto receiver = net::process_bulk_receiver();
  if (!receiver || receiver->port() == 0 || size == 0 ||
      size < static_cast<std::uint64_t>(std::max<std::int64_t>(req.min_bytes, 0)))
    return ModelOffer{req.version, SharedModel{std::move(p)}, {}, 0, {}};
  // The node fetches at once: a loan not taken up within a minute (or a task
  // timeout, if shorter) was given up, and lets the version go.
  const double lifetime = std::min(60.0, st.job.cluster.task_timeout_s);
  auto ticket = receiver->lend(p, p->bytes.data(), size, lifetime);
  if (ticket.empty())  // too many tickets waiting
    return ModelOffer{req.version, SharedModel{std::move(p)}, {}, 0, {}};
  auto layout = std::make_shared<models::Parameters>();
  layout->tensors = p->tensors;
  return ModelOffer{req.version,
                    SharedModel{std::move(layout)},
                    BulkOffer{std::move(ticket), receiver->port(), receiver->hosts()},
                    static_cast<std::int64_t>(size),
                    {}};
}

/// Says once per process that updates of task `task`'s size are spooled
/// (`how`: how this one came).
void say_spooled(std::atomic<bool>& said, const std::string& task, std::uint64_t size,
                 const std::string& dir, const char* how) {
  logging::Line(said.exchange(true) ? Level::debug : Level::info)
      << "troupe aggregator: the update of task " << task << " (" << size
      << " bytes) was spooled to " << dir << " " << how
      << "; updates of this size are combined from there";
}

/// The bytes of `update` from its node's shared block `ref`: copied into a
/// spool file by the kernel when this process spools updates of their size
/// (--spool-dir), else read into the update. "" or why the block cannot be
/// read (a file that cannot be made or written is logged, and the bytes go
/// to memory).
std::string read_shared_update(ModelUpdate& update, const net::SharedBlockRef& ref,
                               const std::string& task) {
  const auto plane = net::process_bulk_receiver();
  if (plane && !plane->spool_dir().empty() && ref.size > 0 &&
      ref.size >= plane->spool_min_bytes()) {
    const auto& dir = plane->spool_dir();
    std::string why;
    const int fd = runtime::open_spool_file(dir, why);
    if (fd >= 0) {
      bool file_failed = false;
      why = net::copy_shared_block(ref, fd, nullptr, &file_failed);
      if (why.empty()) {
        try {
          update.spooled = runtime::SpooledBytes::adopt(fd);  // closes `fd` when it throws
          static std::atomic<bool> said{false};
          say_spooled(said, task, ref.size, dir, "from its node's shared memory");
          return {};
        } catch (const std::exception& e) {
          why = e.what();  // the file, not the block: read into memory below
        }
      } else {
        close(fd);
        if (!file_failed) return why;  // the block itself
      }
    }
    static std::atomic<bool> said{false};
    logging::Line(said.exchange(true) ? Level::debug : Level::warn)
        << "troupe aggregator: the update of task " << task << " from a node of this host cannot "
        << "be spooled to " << dir << " (" << why << "); it is read into memory";
  }
  return net::read_shared_block(ref, update.params.bytes);
}

/// An update from a node: its bytes in it, in parts (sent by `sender`, as
/// the update), under a data-plane ticket, or in the node's block `shared`
/// (not null: one host).
caf::result<runtime::UpdateReceipt> receive_update(AggregatorState& st, ModelUpdate& update,
                                                   const net::SharedBlockRef* shared,
                                                   const std::string& sender) {
  if (!st.core) return failure("the aggregator has no job");
  const auto task = std::to_string(update.task_id);
  // A late update of an earlier job (cancelled or failed with tasks in
  // flight): its task ids and round may match the job in hand.
  if (update.run_id != st.job.run_id)
    return failure("update of task " + task + " belongs to an earlier job");
  if (shared) {
    // An update has the model's layout, so its bytes are the model's.
    const auto model = st.core->get(st.core->version());
    const auto expected = model ? model->bytes.size() : 0;
    if (shared->size != expected || !update.params.bytes.empty())
      return failure("update of task " + task + " announces a shared block of " +
                     std::to_string(shared->size) + " bytes and " +
                     std::to_string(update.params.bytes.size()) + " in itself; the model has " +
                     std::to_string(expected));
    if (auto why = read_shared_update(update, *shared, task); !why.empty()) {
      // The reason stays here: it tells about this host's processes.
      static std::atomic<bool> said{false};
      logging::Line(said.exchange(true) ? Level::debug : Level::info)
          << "troupe aggregator: the shared block of the update of task " << task
          << " cannot be read (" << why << "); its node sends the bytes in messages";
      return make_error(troupe_error::shared_block_unreadable,
                        "update of task " + task +
                            ": the aggregator cannot read its shared block (its log says why)");
    }
  }
  // A ticket asked for: the bytes came under it, or (the data plane
  // failed) in the update or in parts, and the ticket goes.
  const auto ticket = take_bulk_ticket(st, update.task_id);
  if (ticket && !shared && update.params.bytes.empty() && !st.in_parts.holds(update.task_id)) {
    const auto receiver = ticket->receiver.lock();
    int spooled = -1;
    auto why = receiver ? receiver->take(ticket->ticket, update.params.bytes, &spooled)
                        : std::string("the data plane is gone");
    if (!why.empty()) return failure("update of task " + task + ": " + why);
    if (spooled >= 0) {
      // Written to a file as it came (--spool-dir): validated and combined from there.
      try {
        update.spooled = runtime::SpooledBytes::adopt(spooled);
      } catch (const std::exception& e) {
        return failure("update of task " + task + ": " + e.what());
      }
      static std::atomic<bool> said{false};
      say_spooled(said, task, update.spooled->size(), receiver->spool_dir(), "as it came");
    }
  } else if (ticket) {
    forget(*ticket);
  }
  if (st.in_parts.holds(update.task_id)) {
    // Its bytes came in parts: complete, they are the update's.
    const auto in_itself = update.params.bytes.size();
    auto why = st.in_parts.take(update.task_id, update.params.bytes, sender);
    if (why.empty() && in_itself > 0) why = "came with bytes in parts";
    if (!why.empty())
      return failure("update of task " + task + " " + why + " and " + std::to_string(in_itself) +
                     " in itself");
  }
  auto verdict = st.core->accept(std::move(update));
  if (!verdict.refused()) return verdict.receipt;
  if (verdict.refusal == runtime::Refusal::invalid)
    logging::Line(Level::warn) << "troupe aggregator: " << verdict.reason;
  return failure(verdict.reason);
}

}  // namespace troupe::actors::aggregator
