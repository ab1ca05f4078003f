#include "actors/processes.hpp"

#include "actors/remoting.hpp"
#include "runtime/system/admission.hpp"

namespace troupe::actors {

std::optional<ClusterStatus> fetch_status(const Endpoint& scheduler_ep,
                                          const ProcessOptions& options, std::string* why) {
  RemoteConfig cfg{options.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  auto scheduler = connect<scheduler_actor>(system, scheduler_ep, options.connect_timeout_s, why);
  if (!scheduler) {
    *why = "cannot reach the scheduler at " + scheduler_ep.str() + ": " + *why;
    return std::nullopt;
  }
  caf::scoped_actor self{system};
  const auto& secret = options.security.secret;
  runtime::Admission admission;
  if (!admission_for(self, *scheduler, kStatusName, secret, &admission, why)) return std::nullopt;
  std::optional<ClusterStatus> out;
  self->request(*scheduler, std::chrono::seconds(10), status_atom::value, admission)
      .receive([&](ClusterStatus& st) { out = std::move(st); },
               [&](caf::error& err) { *why = describe(err, system); });
  return out;
}

}  // namespace troupe::actors
