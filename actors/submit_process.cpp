#include "actors/processes.hpp"

#include <iostream>

#include "actors/remoting.hpp"
#include "runtime/system/admission.hpp"

namespace troupe::actors {

runtime::RunReport run_submit(const SubmitOptions& options) {
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  runtime::RunReport report;
  report.config = options.job;
  std::string why;
  auto scheduler =
      connect<scheduler_actor>(system, options.scheduler, options.common.connect_timeout_s, &why);
  if (!scheduler) {
    report.status = runtime::RunStatus::failed;
    report.error = "cannot reach the scheduler at " + options.scheduler.str() + ": " + why;
    return report;
  }
  caf::scoped_actor self{system};
  self->monitor(*scheduler);
  const auto& secret = options.common.security.secret;
  runtime::Admission admission;
  if (!admission_for(self, *scheduler, kSubmitName, secret, &admission, &why)) {
    report.status = runtime::RunStatus::failed;
    report.error = why;
    return report;
  }
  self->send(*scheduler, submit_atom::value, options.job, admission);
  bool running = true;
  self->receive_while(running)(
      [&](progress_atom, const runtime::RoundRecord& r) {
        if (options.on_round)
          options.on_round(r);
        else if (!options.common.quiet)
          print_round(r, options.job.rounds);
      },
      [&](runtime::RunReport& r) {
        report = std::move(r);
        running = false;
      },
      [&](caf::down_msg& dm) {
        report.status = runtime::RunStatus::failed;
        report.error = "lost the connection to the scheduler (" + describe(dm.reason, system) + ")";
        running = false;
      },
      [&](caf::error& err) {
        report.status = runtime::RunStatus::failed;
        report.error = describe(err, system);
        running = false;
      });
  return report;
}

}  // namespace troupe::actors
