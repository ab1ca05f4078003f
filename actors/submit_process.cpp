#include <iostream>

#include "actors/job_bytes.hpp"
#include "actors/processes.hpp"
#include "actors/remoting.hpp"
#include "runtime/system/admission.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {
namespace {

/// How often an attached submitter looks for a stop signal.
constexpr auto kSignalPoll = std::chrono::milliseconds(100);

/// A connection and an admission answer for `name`; empty with `why` set.
std::optional<scheduler_actor> reach(caf::actor_system& system, caf::scoped_actor& self,
                                     const SubmitOptions& options, const char* name,
                                     runtime::Admission* admission, std::string* why) {
  auto scheduler =
      connect<scheduler_actor>(system, options.scheduler, options.common.connect_timeout_s, why);
  if (!scheduler) {
    *why = "cannot reach the scheduler at " + options.scheduler.str() + ": " + *why;
    return std::nullopt;
  }
  if (!admission_for(self, *scheduler, name, options.common.security.secret, admission, why))
    return std::nullopt;
  return scheduler;
}

/// Asks the scheduler to cancel job `id` (a fresh admission answer: nonces
/// are single-use); false with `why` when it cannot.
bool ask_cancel(caf::scoped_actor& self, const scheduler_actor& scheduler, const std::string& id,
                const std::string& secret, std::string* why) {
  runtime::Admission admission;
  if (!admission_for(self, scheduler, kJobsName, secret, &admission, why)) return false;
  bool ok = false;
  self->request(scheduler, std::chrono::seconds(10), cancel_atom::value, id, admission)
      .receive([&](bool, const std::string&) { ok = true; },
               [&](caf::error& err) { *why = describe(err, self->system()); });
  return ok;
}

/// `job` made ready to go to `scheduler`: a model of a mebibyte or more is
/// uploaded to its data plane first (actors/job_bytes.hpp), which uses up
/// `admission`; a fresh one replaces it. False with `why` when none came.
bool upload_model(caf::scoped_actor& self, const scheduler_actor& scheduler,
                  const SubmitOptions& options, runtime::JobSpec& job,
                  runtime::Admission& admission, std::string* why) {
  if (options.common.security.tls() || job.train.model_script.size() < kScriptOfferMin)
    return true;  // no data plane under TLS: the job goes whole
  const auto size = job.train.model_script.size();
  const auto failed = upload_script(self, scheduler, admission, options.scheduler.host,
                                    options.scheduler.port, job, 30.0);
  if (failed.empty())
    runtime::logging::Line(runtime::logging::Level::debug)
        << "troupe submit: the job's model (" << size
        << " bytes) went to the scheduler's data plane";
  else
    runtime::logging::Line(runtime::logging::Level::info)
        << "troupe submit: the job's model (" << size
        << " bytes) goes in the job, not over the scheduler's data plane: " << failed;
  return admission_for(self, scheduler, kSubmitName, options.common.security.secret, &admission,
                       why);
}

}  // namespace

runtime::RunReport run_submit(const SubmitOptions& options) {
  install_signal_handlers();
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  runtime::RunReport report;
  report.config = options.job;
  std::string why;
  caf::scoped_actor self{system};
  runtime::Admission admission;
  auto scheduler = reach(system, self, options, kSubmitName, &admission, &why);
  if (!scheduler) {
    report.status = runtime::RunStatus::failed;
    report.error = why;
    return report;
  }
  auto job = options.job;
  if (!upload_model(self, *scheduler, options, job, admission, &why)) {
    report.status = runtime::RunStatus::failed;
    report.error = why;
    return report;
  }
  self->monitor(*scheduler);
  self->send(*scheduler, submit_atom::value, job, admission);
  std::string id;
  bool running = true;
  std::optional<Clock::time_point> cancel_deadline;
  // Checked after every message as well as when none comes for kSignalPoll:
  // a job whose rounds take less than that sends progress more often, and
  // the interrupt must not wait for the job's end.
  const auto on_stop = [&] {
    if (!running || !stop_requested()) return;
    if (!cancel_deadline) {
      // Interrupted: the job is ours to cancel; its report comes as the answer.
      cancel_deadline = Clock::now() + std::chrono::milliseconds(
                                           static_cast<std::int64_t>(options.cancel_wait_s * 1000));
      std::string reason;
      if (!id.empty() && ask_cancel(self, *scheduler, id, options.common.security.secret, &reason))
        return;
      report.error = id.empty() ? "interrupted before the scheduler accepted the job"
                                : "interrupted; cancelling " + id + " failed: " + reason;
    } else if (Clock::now() < *cancel_deadline) {
      return;
    } else {
      report.error = "interrupted; no report of the cancelled " + id + " came in time";
    }
    report.job_id = id;
    report.status = runtime::RunStatus::cancelled;
    running = false;
  };
  self->receive_while(running)(
      [&](job_atom, const std::string& job) {
        id = job;
        if (options.on_id) options.on_id(id);
        on_stop();
      },
      [&](notice_atom, const std::string& text) {
        if (options.on_notice)
          options.on_notice(text);
        else
          std::cerr << "troupe submit: " << text << std::endl;
        on_stop();
      },
      [&](progress_atom, const runtime::RoundRecord& r) {
        if (options.on_round)
          options.on_round(r);
        else if (!options.common.quiet)
          print_round(r, options.job.rounds);
        on_stop();
      },
      [&](runtime::RunReport& r) {
        report = std::move(r);
        running = false;
      },
      [&](caf::down_msg& dm) {
        report.status = runtime::RunStatus::failed;
        report.error = "lost the connection to the scheduler (" + describe(dm.reason, system) + ")";
        if (id.empty() && !job.train.model_script.empty())
          // Likely the guard: it closes a connection that announces a
          // message over the scheduler's --max-message.
          report.error += " before it took the job, which carried its model's " +
                          std::to_string(job.train.model_script.size()) +
                          " bytes in the message: is the model over the scheduler's "
                          "--max-message?";
        running = false;
      },
      [&](caf::error& err) {
        report.status = runtime::RunStatus::failed;
        report.error = describe(err, system);
        running = false;
      },
      caf::after(kSignalPoll) >> on_stop);
  return report;
}

std::optional<std::string> submit_detached(const SubmitOptions& options, std::string* why) {
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  caf::scoped_actor self{system};
  runtime::Admission admission;
  auto scheduler = reach(system, self, options, kSubmitName, &admission, why);
  if (!scheduler) return std::nullopt;
  auto job = options.job;
  if (!upload_model(self, *scheduler, options, job, admission, why)) return std::nullopt;
  std::optional<std::string> id;
  self->request(*scheduler, std::chrono::seconds(30), detach_atom::value, job, admission)
      .receive([&](std::string& got) { id = std::move(got); },
               [&](caf::error& err) { *why = describe(err, system); });
  return id;
}

}  // namespace troupe::actors
