#include "actors/job_bytes.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "net/bulk_channel.hpp"
#include "runtime/system/log.hpp"

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
                                     std::max(1.0, timeout_s));
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

}  // namespace troupe::actors
