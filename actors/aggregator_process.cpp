#include "actors/processes.hpp"

#include <iostream>

#include "actors/aggregator_actor.hpp"
#include "actors/remoting.hpp"
#include "runtime/system/admission.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {

namespace logging = runtime::logging;
using logging::Level;

int run_aggregator_process(const AggregatorProcessOptions& options) {
  install_signal_handlers();
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  std::string why;
  auto aggregator = spawn_aggregator(system);
  auto published = publish(system, aggregator, options.listen, options.common, "aggregator", &why);
  auto port = published ? std::optional<std::uint16_t>(published->port) : std::nullopt;
  if (!port) {
    logging::Line(Level::error) << "troupe aggregator: cannot listen on " << options.listen.str()
                                << ": " << why;
    caf::anon_send_exit(aggregator, caf::exit_reason::user_shutdown);
    return 1;
  }
  announce_listening("aggregator", {options.listen.host, *port}, options.common.port_file);
  double timeout = options.common.connect_timeout_s;
  int code = 0;
  while (!stop_requested()) {
    auto scheduler = connect<scheduler_actor>(system, options.scheduler, timeout, &why);
    if (!scheduler) {
      if (!stop_requested()) {
        logging::Line(Level::error) << "troupe aggregator: cannot reach the scheduler at "
                                    << options.scheduler.str() << ": " << why;
        code = 1;
      }
      break;
    }
    caf::scoped_actor self{system};
    self->monitor(*scheduler);
    // Offer this aggregator; a refusal (a job is running) or a failed request
    // is retried while the scheduler is there.
    bool offered = false;
    bool refused = false;
    const auto& secret = options.common.security.secret;
    for (int attempt = 0; !offered && !refused && !stop_requested(); ++attempt) {
      why.clear();
      runtime::Admission admission;
      if (admission_for(self, *scheduler, kAggregatorName, secret, &admission, &why, &refused))
        self->request(*scheduler, std::chrono::seconds(10), aggregator_atom::value,
                      caf::actor_cast<caf::actor>(aggregator), admission)
            .receive([&](bool accepted) { offered = accepted; },
                     [&](caf::error& err) {
                       why = describe(err, system);
                       refused = is(err, troupe_error::admission_refused);
                     });
      if (refused) {
        logging::Line(Level::warn) << "troupe aggregator: the scheduler refused admission: " << why;
        code = 1;
        break;
      }
      if (!offered) {
        if (attempt == 0)
          logging::Line(Level::warn)
              << "troupe aggregator: not accepted by the scheduler yet"
              << (why.empty() ? " (a job is running)" : ": " + why) << "; retrying\n";
        if (!sleep_unless_stopped(std::chrono::milliseconds(1000))) break;
      }
    }
    if (!offered) break;
    if (!options.common.quiet)
      logging::Line(Level::info) << "troupe aggregator: registered with "
                                 << options.scheduler.str();
    if (wait_for_down(self)) {
      logging::Line(Level::warn) << "troupe aggregator: scheduler lost, reconnecting";
      timeout = options.common.reconnect_timeout_s;
    }
  }
  // Exit even if the actor system's teardown hangs (seen once after a refusal).
  arm_exit_watchdog(code);
  caf::anon_send_exit(aggregator, caf::exit_reason::user_shutdown);
  return code;
}

}  // namespace troupe::actors
