// The scheduler's jobs beyond those in hand: ids from the job registry,
// listing, following, fetching finished reports and cancelling. The registry
// (runtime/io/job_registry.hpp) keeps records and files; this file only
// translates messages into its calls and tells followers.

#include <chrono>
#include <filesystem>

#include "actors/errors.hpp"
#include "actors/scheduler_state.hpp"

namespace troupe::actors {
namespace {

/// Seconds since the Unix epoch: job times are read by people, across restarts.
double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

caf::error unknown(const std::string& id) {
  return make_error(troupe_error::unknown_job, "no job '" + id + "' at this scheduler");
}

}  // namespace

PendingJob register_job(SchedulerPtr self, const runtime::JobSpec& spec,
                        std::optional<caf::typed_response_promise<runtime::RunReport>> reply,
                        caf::actor submitter) {
  auto& st = self->state;
  auto id = st.jobs->add(spec.name, spec.rounds, wall_now(), spec.cluster.priority,
                         spec.cluster.deadline_s);
  if (submitter) caf::anon_send(submitter, job_atom::value, id);
  auto own = spec;                  // shares the model's bytes
  own.train.script_offer = {};      // only this scheduler's tickets go out (actors/job_bytes.hpp)
  own.train.script_upload.clear();  // taken when the job came
  return PendingJob{std::move(id),
                    std::move(own),
                    std::move(reply),
                    std::move(submitter),
                    SchedulerState::Clock::now(),
                    std::nullopt};
}

void job_started(SchedulerPtr self, const JobRun& run) {
  self->state.jobs->started(run.job_id, wall_now());
}

void notify_job(SchedulerState& st, const std::string& id, const caf::actor& submitter,
                const std::string& text) {
  if (submitter) caf::anon_send(submitter, notice_atom::value, text);
  if (const auto it = st.followers.find(id); it != st.followers.end())
    for (const auto& f : it->second) caf::anon_send(f.who, notice_atom::value, text);
}

void job_progressed(SchedulerPtr self, const JobRun& run, const runtime::RoundRecord& record) {
  auto& st = self->state;
  st.jobs->progressed(run.job_id, record.round, record.accuracy);
  for (const auto& f : st.followers[run.job_id])
    caf::anon_send(f.who, progress_atom::value, record);
}

void job_ended(SchedulerPtr self, const runtime::RunReport& report) {
  auto& st = self->state;
  runtime::JobReports texts;
  if (st.config.render) texts = st.config.render(report);
  try {
    st.jobs->finished(report.job_id, runtime::final_state(report.status), wall_now(), report.error,
                      texts);
  } catch (const std::exception& e) {
    // The job's followers still get its report; only the files are missing.
    caf::aout(self) << "troupe scheduler: cannot keep the report of " << report.job_id << ": "
                    << e.what() << std::endl;
  }
  auto it = st.followers.find(report.job_id);
  if (it == st.followers.end()) return;
  for (auto& f : it->second) f.reply.deliver(texts.json);
  st.followers.erase(it);
}

JobList list_jobs(const SchedulerState& st) {
  return JobList{st.jobs->jobs()};
}

caf::result<std::string> follow_job(SchedulerPtr self, const std::string& id) {
  auto& st = self->state;
  const auto* job = st.jobs->find(id);
  if (!job) return unknown(id);
  if (runtime::is_final(job->state)) {
    auto texts = st.jobs->reports(id);
    if (!texts)
      return make_error(troupe_error::not_finished, "the report of " + id + " cannot be read");
    return texts->json;
  }
  // Before make_response_promise, which takes the sender out of the message.
  auto who = caf::actor_cast<caf::actor>(self->current_sender());
  auto rp = self->make_response_promise<std::string>();
  st.followers[id].push_back(Follower{std::move(who), rp});
  return rp;
}

caf::result<std::string, std::string> fetch_job(SchedulerPtr self, const std::string& id) {
  auto& st = self->state;
  const auto* job = st.jobs->find(id);
  if (!job) return unknown(id);
  if (!runtime::is_final(job->state))
    return make_error(troupe_error::not_finished,
                      id + " is " + std::string(to_string(job->state)) + ": no report yet");
  auto texts = st.jobs->reports(id);
  if (!texts)
    return make_error(troupe_error::not_finished, "the report of " + id + " cannot be read");
  return {texts->json, texts->html};
}

caf::result<bool, std::string> cancel_job(SchedulerPtr self, const std::string& id) {
  auto& st = self->state;
  const auto* job = st.jobs->find(id);
  if (!job) return unknown(id);
  if (runtime::is_final(job->state)) return {false, std::string(to_string(job->state))};
  caf::aout(self) << "troupe scheduler: cancelling " << id << std::endl;
  if (auto* run = st.run_of_job(id)) {
    // Tasks in flight are abandoned: their answers carry a serial no longer in hand.
    finish(self, *run, runtime::RunStatus::cancelled, "cancelled on request");
    return {true, std::string(to_string(runtime::JobState::cancelled))};
  }
  for (auto it = st.queue.begin(); it != st.queue.end(); ++it) {
    if (it->id != id) continue;
    PendingJob pending = std::move(*it);
    st.queue.erase(it);
    withdraw_preemption(self);
    runtime::RunReport report;
    report.job_id = id;
    report.status = runtime::RunStatus::cancelled;
    report.error = "cancelled on request before it started";
    if (pending.yielded) {
      // It ran before it yielded: its rounds so far are its result.
      report.error = "cancelled on request while paused after round " +
                     std::to_string(pending.yielded->point.round);
      report.rounds = pending.yielded->point.records;
      report.job.preempted = pending.yielded->times;
      report.job.tasks_yielded = pending.yielded->tasks_yielded;
      report.job.placed_jointly = pending.yielded->placed_jointly;
      report.job.placed_with_others = pending.yielded->placed_with_others;
      if (!pending.yielded->pause_dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(pending.yielded->pause_dir, ec);
      }
    }
    report.config = runtime::as_reported(pending.spec);
    report.mode = pending.spec.collab.mode;
    report.policy = pending.spec.cluster.policy;
    if (pending.reply) pending.reply->deliver(report);
    job_ended(self, report);
    break;
  }
  return {true, std::string(to_string(runtime::JobState::cancelled))};
}

}  // namespace troupe::actors
