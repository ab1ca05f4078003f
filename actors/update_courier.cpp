#include "actors/update_courier.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "net/bulk_channel.hpp"
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

/// Logs why an update goes in messages after all: the first time in this
/// process at info level, then at debug level.
void not_by_data_plane(const std::string& why) {
  static std::atomic<bool> said{false};
  const auto level =
      said.exchange(true) ? runtime::logging::Level::debug : runtime::logging::Level::info;
  runtime::logging::Line(level) << "troupe node: an update goes to the aggregator in messages, "
                                   "not over the data plane ("
                                << why << ")";
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
              if (fits)
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
