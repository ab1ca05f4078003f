#include "actors/model_fetcher.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>
#include <string>

#include "actors/errors.hpp"
#include "net/bulk_channel.hpp"
#include "net/shared_block.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors::node {
namespace {

/// Seconds the fetch's connection may stall: as long as a receiver lets a
/// block stall, and half a task timeout at most, so that the node falls back
/// to a message while the task can still finish.
double stall_limit(std::chrono::milliseconds timeout) {
  return std::min(30.0, std::chrono::duration<double>(timeout).count() / 2.0);
}

caf::behavior model_fetcher(caf::event_based_actor* self, ModelOffer offer,
                            std::chrono::milliseconds timeout,
                            std::shared_ptr<std::atomic<bool>> gave_up) {
  return {[self, offer = std::move(offer), timeout, gave_up](fetcher_atom) {
    auto rp = self->make_response_promise<SharedModel>();
    const auto version = std::to_string(offer.version);
    auto params = std::make_shared<models::Parameters>();
    if (offer.model.params) params->tensors = offer.model.params->tensors;
    const auto started = std::chrono::steady_clock::now();
    bool connected = true;
    auto why = offer.size < 0 ? std::string("a negative size")
                              : net::fetch_bulk(
                                    offer.offer.hosts, offer.offer.port, offer.offer.ticket,
                                    static_cast<std::uint64_t>(offer.size), params->bytes,
                                    stall_limit(timeout), &connected,
                                    // The node stops waiting then (and asks in a message).
                                    std::max(1e-3, std::chrono::duration<double>(timeout).count()));
    if (!connected && gave_up) *gave_up = true;  // before the answer: the node reads it then
    if (why.empty()) why = params->validate();
    if (why.empty()) {
      runtime::logging::Line(runtime::logging::Level::debug)
          << "troupe node: model version " << version << " (" << offer.size
          << " bytes) came over the data plane in "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
          << " s";
      rp.deliver(SharedModel{std::move(params)});
    } else {
      rp.deliver(failure("model version " + version + " over the data plane: " + why));
    }
    self->quit();
    return rp;
  }};
}

}  // namespace

bool asks_for_model_offer(const caf::node_id& here, const aggregator_actor& aggregator,
                          std::uint64_t bulk_min, bool shared) {
  return caf::actor_cast<caf::actor_addr>(aggregator).node() != here &&
         (shared || bulk_min != std::numeric_limits<std::uint64_t>::max());
}

std::string read_shared_model(const ModelOffer& offer, std::shared_ptr<models::Parameters>& out,
                              bool* gone) {
  if (gone) *gone = false;
  out = std::make_shared<models::Parameters>();
  if (offer.model.params) out->tensors = offer.model.params->tensors;
  if (offer.size < 0 || static_cast<std::uint64_t>(offer.size) != offer.shared.size)
    return "a shared block of " + std::to_string(offer.shared.size) + " bytes for a model of " +
           std::to_string(offer.size);
  auto why = net::read_shared_block(offer.shared, out->bytes, gone);
  return why.empty() ? out->validate() : why;
}

void note_shared_memory(const std::string& what, const std::string& why) {
  static std::atomic<bool> worked{false}, failed{false};
  if (why.empty()) {
    if (!worked.exchange(true))
      runtime::logging::Line(runtime::logging::Level::info)
          << "troupe node: " << what
          << " came through shared memory from the aggregator on this host";
    return;
  }
  const auto level =
      failed.exchange(true) ? runtime::logging::Level::debug : runtime::logging::Level::info;
  runtime::logging::Line(level) << "troupe node: " << what
                                << " goes over the network, not through shared memory (" << why
                                << ")";
}

caf::actor spawn_model_fetcher(caf::local_actor* self, ModelOffer offer,
                               std::chrono::milliseconds timeout,
                               std::shared_ptr<std::atomic<bool>> gave_up) {
  return self->spawn<caf::linked + caf::detached>(model_fetcher, std::move(offer), timeout,
                                                  std::move(gave_up));
}

void model_not_by_data_plane(const std::string& why) {
  static std::atomic<bool> said{false};
  const auto level =
      said.exchange(true) ? runtime::logging::Level::debug : runtime::logging::Level::info;
  runtime::logging::Line(level) << "troupe node: a model comes from the aggregator in a message, "
                                   "not over the data plane ("
                                << why << ")";
}

}  // namespace troupe::actors::node
