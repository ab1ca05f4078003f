// The life of the scheduler's job in hand: queued, waiting for nodes and an
// aggregator, set up, run by its core (scheduler_steps.cpp), reported.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>

#include "actors/errors.hpp"
#include "actors/scheduler_state.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/io/checkpoint.hpp"
#include "runtime/scheduling/job_order.hpp"

namespace troupe::actors {
namespace {

/// The report of the job in hand as it ends.
runtime::RunReport job_report(const SchedulerState& st, runtime::RunStatus status,
                              const std::string& error) {
  runtime::RunReport report;
  if (st.core) {
    report = st.core->report(st.now(), status, error);
    report.checkpoints = st.core->checkpoints();
  } else {
    report.status = status;
    report.error = error;
    report.config = st.spec;
    report.policy = st.spec.cluster.policy;
    report.wall_s = st.now();
  }
  report.strategy = runtime::collaboration_label(st.spec);
  // The job's place at the scheduler: its queue wait, its end, its deadline.
  const auto since_submission = [&](SchedulerState::Clock::time_point t) {
    return std::chrono::duration<double>(t - st.job_submitted).count();
  };
  report.job.priority = st.spec.cluster.priority;
  report.job.deadline_s = st.spec.cluster.deadline_s;
  report.job.waiting_s = since_submission(st.yielded ? st.yielded->first_started : st.job_started);
  if (st.yielded) {
    report.job.preempted = st.yielded->times;
    report.job.paused_s = st.yielded->paused_s;
    report.config.checkpoint.resume = st.yielded->resume_given;
  }
  report.job.completion_s = since_submission(SchedulerState::Clock::now());
  if (st.spec.cluster.deadline_s > 0.0)
    report.job.deadline_met = report.job.completion_s <= st.spec.cluster.deadline_s ? 1 : 0;
  if (st.resume) report.resumed_from_round = st.resume->round;
  report.mode = st.spec.collab.mode;
  report.node_data = st.local.records;
  report.provenance.troupe_version = TROUPE_VERSION;
  report.provenance.started_utc = st.job_started_utc;
  runtime::add_host(report.provenance.hosts, runtime::this_host());  // the scheduler's
  for (const auto& n : report.nodes)
    if (const auto h = st.node_hosts.find(n.id); h != st.node_hosts.end())
      runtime::add_host(report.provenance.hosts, h->second);
  runtime::add_node_usage(report, st.table, st.uptime() - st.now(), st.uptime());
  const auto fingerprint = st.core     ? st.core->fingerprint()
                           : st.resume ? st.resume->fingerprint
                                       : 0;
  if (fingerprint != 0) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fingerprint));
    report.model_fingerprint = hex;
  }
  return report;
}

/// Makes the job's core and starts it.
void make_core(SchedulerPtr self) {
  auto& st = self->state;
  runtime::JobCoreInputs in;
  in.spec = st.spec;
  in.shard_sizes = st.summary->sizes();
  in.test_size = st.summary->test_size;
  in.version = st.setup_version;
  in.resume = st.resume;
  in.nodes = [self] { return usable_nodes(self->state); };
  try {
    st.core = runtime::make_job_core(std::move(in));
  } catch (const std::exception& e) {
    finish(self, runtime::RunStatus::failed, e.what() + usable_nodes(st).held_back);
    return;
  }
  enter_running(self);
  observe_job(st, "started");
  const auto serial = st.job_serial;
  run_steps(self, st.core->start(st.now()));
  // A job that may displace this one was queued during its set-up.
  if (st.job_serial == serial) maybe_preempt(self);
}

/// Once the aggregator and the nodes are set up: tells the aggregator what
/// each shard holds (so that it can refuse inflated claims), then makes and
/// starts the job's core; fails the job when no node could be set up.
void start_core(SchedulerPtr self, const std::string& failure) {
  auto& st = self->state;
  if (!st.summary || st.ready.empty()) {
    finish(self, runtime::RunStatus::failed, failure.empty() ? "no node could be set up" : failure);
    return;
  }
  if (st.local_job) {
    // Shard i: the i-th node set up with its own data; its size the count it
    // registered, which the aggregator then weighs and checks claims by. The
    // job's --nodes becomes the number of such nodes.
    st.local = runtime::plan_local_data(st.table.all(), st.ready, st.setup_failures);
    if (st.local.empty()) {
      finish(self, runtime::RunStatus::failed,
             "no node with its own data could be set up" + (failure.empty() ? "" : ": " + failure));
      return;
    }
    st.summary->shard_sizes =
        std::make_shared<const std::vector<std::int64_t>>(st.local.shard_sizes);
    st.spec.nodes = static_cast<int>(st.local.nodes.size());
  }
  self->request(st.config.aggregator, st.timeout(), holdings_atom::value, *st.summary)
      .then(
          [self, serial = st.job_serial](bool) {
            if (self->state.job_serial == serial && self->state.job_in_hand()) make_core(self);
          },
          [self, serial = st.job_serial](caf::error& err) {
            if (self->state.job_serial != serial) return;
            finish(self, runtime::RunStatus::failed,
                   "aggregator set-up failed: " + describe(err, self->system()));
          });
}

/// Sets up the aggregator and every alive node, then starts the core. Nodes
/// whose set-up fails are left out; the job fails only if none succeeds.
void set_up(SchedulerPtr self) {
  auto& st = self->state;
  enter_setting_up(self);
  std::vector<std::string> nodes;
  for (const auto* n : st.table.alive()) nodes.push_back(n->id);
  st.local_job = runtime::any_local_data(st.table.alive());
  st.local = {};
  st.setup_failures.clear();
  st.setup_losses.emplace();
  if (st.local_job) {
    // A split or backups the job asks for would be ignored: refuse it rather
    // than run it otherwise than asked.
    if (auto why = runtime::local_data_conflict(st.spec); !why.empty()) {
      finish(self, runtime::RunStatus::refused, why);
      return;
    }
  }
  auto pending = std::make_shared<std::size_t>(nodes.size() + 1);
  auto failure = std::make_shared<std::string>();
  auto aggregator_failed = std::make_shared<bool>(false);
  auto refused = std::make_shared<bool>(false);  // the job's own input, not the cluster
  auto done_one = [self, pending, failure, aggregator_failed, refused, serial = st.job_serial] {
    if (--*pending > 0) return;
    auto& st = self->state;
    if (st.job_serial != serial) return;  // an earlier job's set-up
    observe_setup_done(st);
    if (!st.job_in_hand()) return;  // ended while setting up
    if (*aggregator_failed)
      finish(self, *refused ? runtime::RunStatus::refused : runtime::RunStatus::failed, *failure);
    else
      start_core(self, *failure);
  };
  self->request(st.config.aggregator, st.timeout(), setup_atom::value, st.spec)
      .then(
          [self, done_one](std::int64_t version) {
            self->state.setup_version = version;
            done_one();
          },
          [self, done_one, failure, aggregator_failed, refused](caf::error& err) {
            *failure = "aggregator set-up failed: " + describe(err, self->system());
            *aggregator_failed = true;
            *refused = is(err, troupe_error::job_refused);
            done_one();
          });
  for (const auto& id : nodes) {
    set_up_node(self, id, [self, failure, done_one, id](bool ok, const DataSummary* s) {
      auto& st = self->state;
      if (ok && !st.summary) st.summary = *s;
      if (!ok) {
        const auto* entry = st.table.find(id);
        const auto why = entry ? entry->lost_reason : "set-up of " + id + " failed";
        st.setup_failures[id] = why;
        if (failure->empty()) *failure = why;
      }
      done_one();
    });
  }
}

/// Reads the checkpoint a --resume job continues from: its own spec, from the
/// round after the checkpoint. False (the job failed) when it cannot be read.
bool load_resume_point(SchedulerPtr self) {
  auto& st = self->state;
  try {
    auto cp = runtime::read_checkpoint(st.spec.checkpoint.resume);
    auto spec = cp.job;
    spec.checkpoint.resume = st.spec.checkpoint.resume;
    if (spec.checkpoint.dir.empty()) spec.checkpoint.dir = st.spec.checkpoint.resume;
    spec.cluster.min_nodes = st.spec.cluster.min_nodes;
    spec.cluster.join_timeout_s = st.spec.cluster.join_timeout_s;
    st.spec = spec;
    st.resume = runtime::ResumePoint{cp.round, std::move(cp.rounds), models::fingerprint(cp.model),
                                     std::move(cp.core_state)};
    return true;
  } catch (const std::exception& e) {
    finish(self, runtime::RunStatus::failed, std::string("cannot resume: ") + e.what());
    return false;
  }
}

}  // namespace

namespace {

runtime::JobOrderKey order_key(const PendingJob& job) {
  const double submitted = std::chrono::duration<double>(job.submitted.time_since_epoch()).count();
  return runtime::job_order_key(job.spec.cluster.priority, job.spec.cluster.deadline_s, submitted);
}

}  // namespace

void enqueue(std::deque<PendingJob>& queue, PendingJob job) {
  const auto key = order_key(job);
  auto at = std::find_if(queue.begin(), queue.end(), [&](const PendingJob& queued) {
    return runtime::starts_before(key, order_key(queued));
  });
  queue.insert(at, std::move(job));
}

void begin_job(SchedulerPtr self, PendingJob job) {
  auto& st = self->state;
  st.yielded = std::move(job.yielded);
  st.job_submitted = job.submitted;
  st.job_id = std::move(job.id);
  job_started(self);
  st.spec = std::move(job.spec);
  st.reply = std::move(job.reply);
  st.submitter = std::move(job.submitter);
  st.job_started = SchedulerState::Clock::now();
  st.job_started_utc = runtime::utc_now_iso8601();
  ++st.job_serial;
  st.setup_version = 0;
  st.resume.reset();
  if (st.yielded) {
    // It yielded to a job of higher priority: it continues where it paused.
    st.yielded->paused_s +=
        std::chrono::duration<double>(st.job_started - st.yielded->paused_at).count();
    st.resume = st.yielded->point;
  }
  observe_job(st, "accepted");
  enter_waiting(self);
  st.wait_deadline = st.uptime() + st.spec.cluster.join_timeout_s;
  if (auto why = st.spec.validate(); !why.empty()) {
    finish(self, runtime::RunStatus::failed, why);
    return;
  }
  if (!st.yielded && !st.spec.checkpoint.resume.empty() && !load_resume_point(self)) return;
  // Drawn, not counted: a scheduler restarted without its state starts its
  // serials again, and a late update of a job before the restart must not match.
  st.spec.run_id = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  try {
    runtime::make_allocator(st.spec.cluster.policy);
  } catch (const std::exception& e) {
    finish(self, runtime::RunStatus::failed, e.what());
    return;
  }
  try_start(self);
}

void try_start(SchedulerPtr self) {
  auto& st = self->state;
  const auto alive = st.table.alive_count();
  if (st.config.aggregator && alive >= static_cast<std::size_t>(st.spec.cluster.min_nodes)) {
    set_up(self);
  } else if (st.uptime() > st.wait_deadline) {
    const auto waited = std::to_string(static_cast<int>(st.spec.cluster.join_timeout_s)) + " s";
    finish(self, runtime::RunStatus::failed,
           !st.config.aggregator
               ? "no aggregator registered within " + waited
               : "only " + std::to_string(alive) + " of " +
                     std::to_string(st.spec.cluster.min_nodes) + " nodes joined within " + waited);
  }
}

namespace {

/// Queued job `j` may displace the job in hand (--preempt, higher priority).
bool displaces(const PendingJob& j, const SchedulerState& st) {
  return j.spec.cluster.preempt && j.spec.cluster.priority > st.spec.cluster.priority;
}

/// Removes a pause's own checkpoint directory (the job ended for good).
void remove_pause_dir(const std::optional<Yielded>& yielded) {
  if (!yielded || yielded->pause_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(yielded->pause_dir, ec);
}

/// The job in hand is no longer: the scheduler is idle and takes the next queued job.
void next_job(SchedulerPtr self) {
  auto& st = self->state;
  st.job_id.clear();
  st.reply.reset();
  st.core.reset();
  st.summary.reset();
  st.local_job = false;
  st.local = {};
  st.submitter = nullptr;
  st.ready.clear();
  st.yielded.reset();
  enter_idle(self);
  if (!st.queue.empty()) {
    auto next = std::move(st.queue.front());
    st.queue.pop_front();
    begin_job(self, std::move(next));
  }
}

}  // namespace

void finish(SchedulerPtr self, runtime::RunStatus status, const std::string& error) {
  auto& st = self->state;
  if (!st.job_in_hand()) return;
  observe_job_finished(st, status, error);
  auto report = job_report(st, status, error);
  report.job_id = st.job_id;
  if (st.reply) st.reply->deliver(report);
  job_ended(self, report);
  remove_pause_dir(st.yielded);
  ++st.jobs_done;
  next_job(self);
}

std::string pause_directory(const SchedulerState& st) {
  if (!st.spec.checkpoint.dir.empty()) return st.spec.checkpoint.dir;
  // Named by this scheduler's identity too: two schedulers on one host both have a job-1.
  char tag[17];
  std::snprintf(tag, sizeof tag, "%016llx",
                static_cast<unsigned long long>(std::hash<std::string>{}(st.id)));
  std::error_code ec;
  auto tmp = std::filesystem::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return (tmp / ("troupe-paused-" + st.job_id + "-" + tag)).string();
}

void maybe_preempt(SchedulerPtr self) {
  auto& st = self->state;
  if (!st.job_in_hand() || !st.core || st.core->ended() || st.core->pause_requested()) return;
  const auto by = std::find_if(st.queue.begin(), st.queue.end(),
                               [&](const PendingJob& j) { return displaces(j, st); });
  if (by == st.queue.end()) return;
  if (!st.core->request_pause()) {
    // Said once per pair: every later submission checks again.
    if (!st.told_cannot_yield.insert({st.job_id, by->id}).second) return;
    const auto text = st.job_id + " cannot yield to " + by->id +
                      " (only synchronous jobs pause at a round's end); " + by->id + " waits";
    caf::aout(self) << "troupe scheduler: " << text << std::endl;
    notify_job(st, by->id, by->submitter, text);
    return;
  }
  std::ostringstream line;  // priorities as given (caf::aout writes 1.000000)
  line << st.job_id << " (priority " << st.spec.cluster.priority << ")";
  if (st.core->round() >= st.spec.rounds)  // SyncJobCore ends a last round, it does not pause
    line << " is in its last round: it ends instead of yielding to " << by->id << " (priority "
         << by->spec.cluster.priority << ", --preempt), which starts next";
  else
    line << " yields to " << by->id << " (priority " << by->spec.cluster.priority
         << ", --preempt) at the end of its round";
  caf::aout(self) << "troupe scheduler: " << line.str() << std::endl;
  notify_job(st, st.job_id, st.submitter, line.str());
  notify_job(st, by->id, by->submitter, line.str());
}

void withdraw_preemption(SchedulerPtr self) {
  auto& st = self->state;
  if (!st.job_in_hand() || !st.core || !st.core->pause_requested()) return;
  const bool still = std::any_of(st.queue.begin(), st.queue.end(),
                                 [&](const PendingJob& j) { return displaces(j, st); });
  if (!still && st.core->withdraw_pause()) {
    const auto text = st.job_id + " no longer yields (the job it yielded to was cancelled)";
    caf::aout(self) << "troupe scheduler: " << text << std::endl;
    notify_job(st, st.job_id, st.submitter, text);
  }
}

void requeue_paused(SchedulerPtr self, int round, const std::string& dir) {
  auto& st = self->state;
  if (!st.job_in_hand() || !st.core) return;
  Yielded y;
  if (st.yielded) {
    y = *st.yielded;
  } else {
    y.first_started = st.job_started;
    y.resume_given = st.spec.checkpoint.resume;
  }
  ++y.times;
  y.paused_at = SchedulerState::Clock::now();
  y.point = runtime::ResumePoint{round, st.core->rounds(), st.core->fingerprint(), ""};
  y.pause_dir = dir == st.spec.checkpoint.dir ? "" : dir;
  PendingJob again{st.job_id,    st.spec,          std::move(st.reply),
                   st.submitter, st.job_submitted, std::move(y)};
  again.spec.checkpoint.resume = dir;
  caf::aout(self) << "troupe scheduler: " << st.job_id << " paused after round " << round << " of "
                  << st.spec.rounds << " (checkpoint in " << dir << "); queued again" << std::endl;
  notify_job(st, st.job_id, st.submitter,
             st.job_id + " paused after round " + std::to_string(round) + " of " +
                 std::to_string(st.spec.rounds) + "; queued again, it resumes from there");
  st.jobs->yielded(st.job_id);
  enqueue(st.queue, std::move(again));
  next_job(self);
}

}  // namespace troupe::actors
