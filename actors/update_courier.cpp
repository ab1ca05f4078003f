#include "actors/update_courier.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "actors/errors.hpp"
#include "net/bulk_channel.hpp"
#include "net/shared_block.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors::node {
namespace {

using Done = std::function<void(runtime::UpdateReceipt&)>;
using Fail = std::function<void(caf::error)>;

bool remote(const caf::node_id& here, const aggregator_actor& aggregator) {
  return caf::actor_cast<caf::actor_addr>(aggregator).node() != here;
}

/// Sends `update` inside CAF messages. To an aggregator in another process an
/// update of more than `part_bytes` goes in parts first (UpdatePart, each sent
/// once the one before was answered), then without its bytes.
void send_in_messages(caf::event_based_actor* self, const aggregator_actor& aggregator,
                      const UpdateRoute& route, ModelUpdate update, Done done, Fail fail) {
  const auto timeout = route.timeout;
  const auto part_bytes = std::max<std::uint64_t>(1, route.part_bytes);
  if (!remote(self->node(), aggregator) || update.params.bytes.size() <= part_bytes) {
    self->request(aggregator, timeout, update_atom::value, std::move(update))
        .then([done](runtime::UpdateReceipt& r) mutable { done(r); },
              [fail](caf::error& err) mutable { fail(std::move(err)); });
    return;
  }
  auto whole = std::make_shared<ModelUpdate>(std::move(update));
  auto next = std::make_shared<std::function<void(std::size_t)>>();
  *next = [self, aggregator, timeout, whole, part_bytes, done, fail,
           weak = std::weak_ptr<std::function<void(std::size_t)>>(next)](std::size_t offset) {
    // Alive: its caller holds it (the first call, or the handler of the part before).
    const auto again = weak.lock();
    auto& bytes = whole->params.bytes;
    if (offset >= bytes.size()) {
      bytes.clear();
      bytes.shrink_to_fit();  // the aggregator holds them now
      self->request(aggregator, timeout, update_atom::value, std::move(*whole))
          .then([done](runtime::UpdateReceipt& r) mutable { done(r); },
                [fail](caf::error& err) mutable { fail(std::move(err)); });
      return;
    }
    const auto n = std::min<std::size_t>(part_bytes, bytes.size() - offset);
    UpdatePart part{
        whole->run_id, whole->task_id, static_cast<std::int64_t>(offset),
        static_cast<std::int64_t>(bytes.size()),
        std::vector<unsigned char>(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                                   bytes.begin() + static_cast<std::ptrdiff_t>(offset + n))};
    self->request(aggregator, timeout, update_part_atom::value, std::move(part))
        .then([again, offset, n](bool) { (*again)(offset + n); },
              [fail](caf::error& err) mutable { fail(std::move(err)); });
  };
  // The chain keeps itself alive through the handler of its pending part.
  (*next)(0);
}

/// Logs why an update goes in messages after all (not over the data plane,
/// or not in a shared block): the first time in this process at info level,
/// then at debug level.
void not_by_data_plane(const std::string& why, const char* way = "over the data plane") {
  static std::atomic<bool> said{false};
  const auto level =
      said.exchange(true) ? runtime::logging::Level::debug : runtime::logging::Level::info;
  runtime::logging::Line(level) << "troupe node: an update goes to the aggregator in messages, "
                                   "not "
                                << way << " (" << why << ")";
}

/// Sends the bytes of `update` under `offer` (blocking while they travel),
/// then the update without them. When the data plane fails the update goes
/// in messages: nothing is lost.
void send_by_data_plane(caf::event_based_actor* self, const aggregator_actor& aggregator,
                        const UpdateRoute& route, ModelUpdate update, const BulkOffer& offer,
                        Done done, Fail fail) {
  auto& bytes = update.params.bytes;
  // Stalls end as a receiver's do, and within half the task timeout: the
  // update still has time to go in messages.
  const double stall = std::min(30.0, std::chrono::duration<double>(route.timeout).count() / 2.0);
  bool connected = true;
  const auto why = net::send_bulk(offer.hosts, offer.port, offer.ticket, bytes.data(), bytes.size(),
                                  stall, &connected);
  if (!why.empty()) {
    if (!connected && route.gave_up) *route.gave_up = true;  // nowhere to go: not again
    not_by_data_plane("update of task " + std::to_string(update.task_id) + ": " + why);
    send_in_messages(self, aggregator, route, std::move(update), done, fail);
    return;
  }
  bytes.clear();
  bytes.shrink_to_fit();  // the aggregator holds them now
  self->request(aggregator, route.timeout, update_atom::value, std::move(update))
      .then([done](runtime::UpdateReceipt& r) mutable { done(r); },
            [fail](caf::error& err) mutable { fail(std::move(err)); });
}

/// Sends `update` with its bytes in a shared block. When the aggregator
/// cannot read it (another user, say), or no block can be made, the update
/// goes in messages: nothing is lost.
void send_shared(caf::event_based_actor* self, const aggregator_actor& aggregator,
                 const UpdateRoute& route, std::shared_ptr<ModelUpdate> update, Done done,
                 Fail fail) {
  auto& bytes = update->params.bytes;
  std::string why;
  auto block = net::SharedBlock::create(bytes.data(), bytes.size(), why);
  if (!block) {
    if (route.not_shared) *route.not_shared = true;
    not_by_data_plane("update of task " + std::to_string(update->task_id) + ": " + why,
                      "through shared memory");
    send_in_messages(self, aggregator, route, std::move(*update), done, fail);
    return;
  }
  bytes.clear();
  bytes.shrink_to_fit();  // the block holds them now
  // The block lives until the aggregator answered: it reads it before.
  self->request(aggregator, route.timeout, update_atom::value, *update, block->ref())
      .then([done, block](runtime::UpdateReceipt& r) mutable { done(r); },
            [self, aggregator, route, update, block, done, fail](caf::error& err) mutable {
              if (!is(err, troupe_error::shared_block_unreadable)) return fail(std::move(err));
              if (route.not_shared) *route.not_shared = true;  // not again for the job
              not_by_data_plane(self->system().render(err), "through shared memory");
              if (auto again = block->read(update->params.bytes); !again.empty())
                return fail(failure("update of task " + std::to_string(update->task_id) +
                                    ": its own shared block: " + again));
              block.reset();
              send_in_messages(self, aggregator, route, std::move(*update), done, fail);
            });
}

/// The data-plane ticket a courier asked for.
struct Ticket {
  bool answered = false;
  std::optional<BulkOffer> offer;  ///< none: refused (no data plane there, TLS)
  std::function<void()> then;      ///< the update waiting for the answer
};

caf::behavior courier(caf::event_based_actor* self, aggregator_actor aggregator, UpdateRoute route,
                      std::shared_ptr<ModelUpdate> update, std::optional<BulkRequest> bulk) {
  auto ticket = std::make_shared<Ticket>();
  if (bulk) {
    auto answer = [ticket] {
      ticket->answered = true;
      auto then = std::move(ticket->then);  // it holds the ticket: no cycle
      ticket->then = nullptr;
      if (then) then();
    };
    self->request(aggregator, route.timeout, bulk_atom::value, *bulk)
        .then(
            [ticket, answer](BulkOffer& offer) {
              ticket->offer = std::move(offer);
              answer();
            },
            [answer, self](caf::error& err) {
              not_by_data_plane(self->system().render(err));
              answer();
            });
  }
  return {[=](courier_atom, TrainOutcome outcome) {
            auto rp = self->make_response_promise<TrainOutcome>();
            Done done = [self, rp, outcome](runtime::UpdateReceipt& receipt) mutable {
              outcome.receipt = std::move(receipt);
              rp.deliver(outcome);
              self->quit();
            };
            Fail fail = [self, rp](caf::error err) mutable {
              rp.deliver(std::move(err));
              self->quit();
            };
            // Weakly: the ticket holds it until answered, and a courier that
            // ends first (its node did) frees both.
            auto go = [=, weak = std::weak_ptr<Ticket>(ticket)] {
              const auto held = weak.lock();
              const bool fits = bulk && held && held->offer &&
                                update->params.bytes.size() == static_cast<std::size_t>(bulk->size);
              if (route.shared)
                send_shared(self, aggregator, route, update, done, fail);
              else if (fits)
                send_by_data_plane(self, aggregator, route, std::move(*update), *held->offer, done,
                                   fail);
              else
                send_in_messages(self, aggregator, route, std::move(*update), done, fail);
            };
            if (!bulk || ticket->answered)
              go();
            else
              ticket->then = go;
            return rp;
          },
          [self](leave_atom) { self->quit(); }};
}

}  // namespace

bool by_data_plane(const caf::node_id& here, const aggregator_actor& aggregator,
                   const UpdateRoute& route, std::uint64_t bytes) {
  return remote(here, aggregator) && bytes > 0 && bytes >= route.bulk_min;
}

caf::actor spawn_courier(caf::local_actor* self, const aggregator_actor& aggregator,
                         const UpdateRoute& route, std::shared_ptr<ModelUpdate> update,
                         const std::optional<BulkRequest>& bulk) {
  if (bulk)
    return self->spawn<caf::linked + caf::detached>(courier, aggregator, route, std::move(update),
                                                    bulk);
  return self->spawn<caf::linked>(courier, aggregator, route, std::move(update), bulk);
}

}  // namespace troupe::actors::node
