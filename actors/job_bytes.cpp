#include "actors/job_bytes.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "actors/errors.hpp"
#include "net/bulk_channel.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::actors {

runtime::JobSpec job_for(const caf::node_id& receiver, const caf::node_id& here,
                         const runtime::JobSpec& job, std::chrono::milliseconds lifetime,
                         bool whole) {
  runtime::JobSpec out = job;   // copies share the script's bytes
  out.train.script_offer = {};  // only this process's own tickets go out
  const auto& script = job.train.model_script;
  if (whole || receiver == here || script.size() < kScriptOfferMin) return out;
  const auto plane = net::process_bulk_receiver();
  if (!plane || plane->port() == 0) return out;  // TLS, or no message guard
  // The receiver fetches at once (a loan not taken up frees its place, as
  // model versions' do); a fetch that began keeps the bytes until it ends.
  const double seconds = std::chrono::duration<double>(lifetime).count();
  const auto bytes = script.shared();
  const auto ticket = plane->lend(bytes, reinterpret_cast<const unsigned char*>(bytes->data()),
                                  bytes->size(), std::clamp(seconds, 1.0, 60.0));
  if (ticket.empty()) return out;  // too many loans: the bytes go in the message
  out.train.model_script.clear();
  out.train.script_offer = {ticket, plane->port(), plane->hosts(), bytes->size()};
  return out;
}

std::string fetch_offered_script(runtime::JobSpec& job, double timeout_s) {
  auto& offer = job.train.script_offer;
  if (offer.ticket.empty()) return {};
  const auto size = offer.size;
  const auto failed = [&](const std::string& why) {
    return "the model's " + std::to_string(size) + " bytes could not be fetched from the " +
           "scheduler's data plane: " + why;
  };
  try {
    std::vector<unsigned char> bytes;
    const auto why = net::fetch_bulk(offer.hosts, offer.port, offer.ticket, offer.size, bytes,
                                     std::max(1.0, timeout_s), nullptr,
                                     std::max(1.0, job.cluster.task_timeout_s));
    offer = {};
    if (!why.empty()) return failed(why);
    std::string text(bytes.begin(), bytes.end());
    bytes = {};  // one copy at a time beside the text
    job.train.model_script = std::move(text);
  } catch (const std::exception& e) {  // no memory for them
    offer = {};
    return failed(e.what());
  }
  runtime::logging::Line(runtime::logging::Level::debug)
      << "troupe: the job's model (" << size << " bytes) came over the data plane";
  return {};
}

namespace {

/// Upload tickets issued by this process's data plane and neither taken nor
/// forgotten, with their sizes. The receiver is the authority on how long a
/// ticket lives: one it no longer holds (lapsed, or its block failed) is
/// dropped here too.
struct Uploads {
  std::mutex mutex;
  std::map<std::string, std::uint64_t> open;

  /// Drops those `plane` no longer holds (under mutex); the bytes the rest
  /// may bring or brought.
  std::uint64_t pending(net::BulkReceiver& plane) {
    std::uint64_t bytes = 0;
    for (auto it = open.begin(); it != open.end();) {
      if (!plane.holds(it->first)) {
        it = open.erase(it);
      } else {
        bytes += it->second;
        ++it;
      }
    }
    return bytes;
  }
  /// Whether `ticket` was one, forgetting it.
  bool close(const std::string& ticket) {
    std::lock_guard<std::mutex> lock(mutex);
    return open.erase(ticket) > 0;
  }
};

Uploads& uploads() {
  static Uploads u;
  return u;
}

std::string mib(std::uint64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

}  // namespace

std::string upload_ticket(std::uint64_t size, BulkOffer& offer) {
  const auto plane = net::process_bulk_receiver();
  if (!plane || plane->port() == 0)
    return "this scheduler has no data plane (TLS, or --max-message 0): send the model in the job";
  if (size == 0 || size > kMostUploadBytes)
    return "a model of " + std::to_string(size) + " bytes cannot be uploaded (at most " +
           std::to_string(kMostUploadBytes) + ")";
  auto& u = uploads();
  std::lock_guard<std::mutex> lock(u.mutex);
  const auto pending = u.pending(*plane);
  if (u.open.size() >= kMostUploads)
    return "the scheduler takes " + std::to_string(kMostUploads) +
           " model uploads at a time, and as many are waiting for their jobs";
  // The scheduler holds a job's model in memory: refuse early what cannot fit.
  const auto available = runtime::memory_available_now();
  if (available > 0 && pending + size > available / 2)
    return "a model of " + mib(size) + " (and " + mib(pending) +
           " of uploads waiting) would take over half of the scheduler's " + mib(available) +
           " of available memory";
  // The bytes must begin to arrive within kUploadWait (once arriving, a
  // ticket does not lapse: the receiver's stall and rate bounds end a slow
  // sender); once they arrived they wait kUploadKeep for the job, which
  // follows them at once.
  auto ticket = plane->expect(size, kUploadWait, kUploadKeep);
  if (ticket.empty()) return "the scheduler's data plane has too many tickets waiting";
  u.open[ticket] = size;
  offer = {std::move(ticket), plane->port(), plane->hosts()};
  return {};
}

std::string take_uploaded_script(runtime::JobSpec& job) {
  auto& ticket = job.train.script_upload;
  if (ticket.empty()) return {};
  if (!job.train.model_script.empty()) {
    forget_uploaded_script(job);
    return "the job's model came both in the job and uploaded";
  }
  // Only an upload ticket: never an update's or a loan's of this data plane.
  const bool upload = uploads().close(ticket);
  const auto plane = net::process_bulk_receiver();
  std::vector<unsigned char> bytes;
  auto why = !upload ? std::string("no upload has that ticket")
             : plane ? plane->take(ticket, bytes)
                     : std::string("this scheduler has no data plane");
  ticket.clear();
  if (!why.empty()) return "the job's uploaded model is not here: " + why;
  try {
    // For a moment the model is here twice (the block and the text).
    job.train.model_script = std::string(bytes.begin(), bytes.end());
  } catch (const std::exception& e) {
    return std::string("the job's uploaded model: ") + e.what();
  }
  // Not hashed here: a model of gigabytes would hold up the scheduler's
  // actor. Its aggregator and nodes check it at set-up, and a job whose
  // model does not match is refused there (runtime::check_model_script).
  return {};
}

void forget_uploaded_script(runtime::JobSpec& job) {
  auto& ticket = job.train.script_upload;
  if (ticket.empty()) return;
  if (uploads().close(ticket))
    if (const auto plane = net::process_bulk_receiver()) plane->forget(ticket);
  ticket.clear();
}

std::string upload_script(caf::scoped_actor& self, const scheduler_actor& scheduler,
                          const runtime::Admission& answer, const std::string& host,
                          std::uint16_t port, runtime::JobSpec& job, double timeout_s) {
  job.train.script_upload.clear();
  const auto& script = job.train.model_script;
  if (script.size() < kScriptOfferMin) return {};
  std::string why;
  BulkOffer offer;
  self->request(scheduler, std::chrono::seconds(30), bulk_atom::value,
                static_cast<std::uint64_t>(script.size()), answer)
      .receive([&](BulkOffer& o) { offer = std::move(o); },
               [&](caf::error& err) { why = describe(err, self->system()); });
  if (!why.empty()) return why;
  // The address this process reached the scheduler at first (the addresses
  // the scheduler announces may be ones only its cluster reaches), then
  // those: send_bulk tries each until one takes the ticket. Through a
  // forwarded port (another port number here) the port reached first, and
  // the announced ones only when nothing took the connection there.
  const auto* data = reinterpret_cast<const unsigned char*>(script.data());
  auto hosts = offer.hosts;
  if (!host.empty() && (port == 0 || port == offer.port)) {
    hosts.erase(std::remove(hosts.begin(), hosts.end(), host), hosts.end());
    hosts.insert(hosts.begin(), host);
  }
  bool connected = false;
  if (!host.empty() && port != 0 && port != offer.port)
    why = net::send_bulk({host}, port, offer.ticket, data, script.size(), timeout_s, &connected);
  if (host.empty() || port == 0 || port == offer.port || !connected)
    why = net::send_bulk(hosts, offer.port, offer.ticket, data, script.size(), timeout_s);
  if (!why.empty()) return why;
  job.train.model_script.clear();
  job.train.script_upload = offer.ticket;
  return {};
}

}  // namespace troupe::actors
