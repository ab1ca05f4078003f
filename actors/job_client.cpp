#include "actors/job_client.hpp"

#include "actors/errors.hpp"
#include "actors/remoting.hpp"
#include "runtime/system/admission.hpp"

namespace troupe::actors {
namespace {

/// The time a plain request may take (a list, a report's text, a cancel).
constexpr auto kRequestTimeout = std::chrono::seconds(30);

/// Connects, answers the admission challenge and runs `body` with the
/// scheduler's handle and the answer.
JobReply with_scheduler(const JobClientOptions& options,
                        const std::function<void(caf::scoped_actor&, const scheduler_actor&,
                                                 const runtime::Admission&, JobReply&)>& body) {
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  JobReply reply;
  auto scheduler = connect<scheduler_actor>(system, options.scheduler,
                                            options.common.connect_timeout_s, &reply.why);
  if (!scheduler) {
    reply.code = 1;
    reply.why = "cannot reach the scheduler at " + options.scheduler.str() + ": " + reply.why;
    return reply;
  }
  caf::scoped_actor self{system};
  runtime::Admission admission;
  if (!admission_for(self, *scheduler, kJobsName, options.common.security.secret, &admission,
                     &reply.why)) {
    reply.code = 1;
    return reply;
  }
  body(self, *scheduler, admission, reply);
  return reply;
}

/// Turns a refusal into the reply: 2 for an unknown id, else 1.
void refused(JobReply& reply, const caf::error& err, caf::scoped_actor& self) {
  reply.code = is(err, troupe_error::unknown_job) ? 2 : 1;
  reply.why = describe(err, self->system());
}

}  // namespace

JobReply request_jobs(const JobClientOptions& options, JobList& out) {
  return with_scheduler(options, [&](caf::scoped_actor& self, const scheduler_actor& scheduler,
                                     const runtime::Admission& admission, JobReply& reply) {
    self->request(scheduler, kRequestTimeout, jobs_atom::value, admission)
        .receive([&](JobList& list) { out = std::move(list); },
                 [&](caf::error& err) { refused(reply, err, self); });
  });
}

JobReply follow(const JobClientOptions& options, const std::string& id,
                const std::function<void(const runtime::RoundRecord&)>& on_round,
                std::string& report_json,
                const std::function<void(const std::string&)>& on_notice) {
  return with_scheduler(options, [&](caf::scoped_actor& self, const scheduler_actor& scheduler,
                                     const runtime::Admission& admission, JobReply& reply) {
    // A plain send: progress messages come before the answer, which arrives
    // as an ordinary message (or an error) when the job ends.
    self->monitor(scheduler);
    self->send(scheduler, follow_atom::value, id, admission);
    bool running = true;
    self->receive_while(running)([&](progress_atom, const runtime::RoundRecord& r) { on_round(r); },
                                 [&](notice_atom, const std::string& text) {
                                   if (on_notice) on_notice(text);
                                 },
                                 [&](std::string& json) {
                                   report_json = std::move(json);
                                   running = false;
                                 },
                                 [&](caf::down_msg& dm) {
                                   reply.code = 1;
                                   reply.why = "lost the connection to the scheduler (" +
                                               describe(dm.reason, self->system()) + ")";
                                   running = false;
                                 },
                                 [&](caf::error& err) {
                                   refused(reply, err, self);
                                   running = false;
                                 });
  });
}

JobReply fetch_reports(const JobClientOptions& options, const std::string& id, std::string& json,
                       std::string& html) {
  return with_scheduler(options, [&](caf::scoped_actor& self, const scheduler_actor& scheduler,
                                     const runtime::Admission& admission, JobReply& reply) {
    self->request(scheduler, kRequestTimeout, fetch_atom::value, id, admission)
        .receive(
            [&](std::string& j, std::string& h) {
              json = std::move(j);
              html = std::move(h);
            },
            [&](caf::error& err) { refused(reply, err, self); });
  });
}

JobReply request_cancel(const JobClientOptions& options, const std::string& id, bool& cancelled,
                        std::string& state) {
  return with_scheduler(options, [&](caf::scoped_actor& self, const scheduler_actor& scheduler,
                                     const runtime::Admission& admission, JobReply& reply) {
    self->request(scheduler, kRequestTimeout, cancel_atom::value, id, admission)
        .receive(
            [&](bool now, std::string& s) {
              cancelled = now;
              state = std::move(s);
            },
            [&](caf::error& err) { refused(reply, err, self); });
  });
}

}  // namespace troupe::actors
