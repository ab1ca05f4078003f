// The life of a job in hand: waiting for nodes and an aggregator, set up,
// run by its core (scheduler_steps.cpp), reported; and preemption between
// queued jobs and those in hand.

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

/// The report of `run` as it ends.
runtime::RunReport job_report(const SchedulerState& st, const JobRun& run,
                              runtime::RunStatus status, const std::string& error) {
  runtime::RunReport report;
  if (run.core) {
    report = run.core->report(run.now(), status, error);
    report.checkpoints = run.core->checkpoints();
  } else {
    report.status = status;
    report.error = error;
    report.config = runtime::as_reported(run.spec);
    report.policy = run.spec.cluster.policy;
    report.wall_s = run.now();
  }
  report.strategy = runtime::collaboration_label(run.spec);
  // The job's place at the scheduler: its queue wait, its end, its deadline.
  const auto since_submission = [&](JobRun::Clock::time_point t) {
    return std::chrono::duration<double>(t - run.submitted).count();
  };
  report.job.priority = run.spec.cluster.priority;
  report.job.deadline_s = run.spec.cluster.deadline_s;
  report.job.tasks_yielded = run.tasks_yielded;
  report.job.placed_jointly = run.placed_jointly;
  report.job.placed_with_others = run.placed_with_others;
  report.job.waiting_s = since_submission(run.yielded ? run.yielded->first_started : run.started);
  if (run.yielded) {
    report.job.preempted = run.yielded->times;
    report.job.paused_s = run.yielded->paused_s;
    report.config.checkpoint.resume = run.yielded->resume_given;
  }
  report.job.completion_s = since_submission(JobRun::Clock::now());
  if (run.spec.cluster.deadline_s > 0.0)
    report.job.deadline_met = report.job.completion_s <= run.spec.cluster.deadline_s ? 1 : 0;
  if (run.resume) report.resumed_from_round = run.resume->round;
  report.mode = run.spec.collab.mode;
  report.node_data = run.local.records;
  report.provenance.troupe_version = TROUPE_VERSION;
  report.provenance.started_utc = run.started_utc;
  runtime::add_host(report.provenance.hosts, runtime::this_host());  // the scheduler's
  for (const auto& n : report.nodes)
    if (const auto h = st.node_hosts.find(n.id); h != st.node_hosts.end())
      runtime::add_host(report.provenance.hosts, h->second);
  runtime::add_node_usage(report, st.table, st.uptime() - run.now(), st.uptime());
  const auto fingerprint = run.core     ? run.core->fingerprint()
                           : run.resume ? run.resume->fingerprint
                                        : 0;
  if (fingerprint != 0) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fingerprint));
    report.model_fingerprint = hex;
  }
  return report;
}

/// Makes the job's core and starts it.
void make_core(SchedulerPtr self, JobRun& run) {
  runtime::JobCoreInputs in;
  in.spec = run.spec;
  in.shard_sizes = run.summary->sizes();
  in.test_size = run.summary->test_size;
  in.version = run.setup_version;
  in.resume = run.resume;
  in.joint = self->state.sharing();
  const auto serial = run.serial;
  in.nodes = [self, serial] {
    const auto* r = self->state.run(serial);
    return r ? usable_nodes(self->state, *r) : runtime::UsableNodes{};
  };
  try {
    run.core = runtime::make_job_core(std::move(in));
  } catch (const std::exception& e) {
    finish(self, run, runtime::RunStatus::failed,
           e.what() + usable_nodes(self->state, run).held_back);
    return;
  }
  run.phase = RunPhase::running;
  observe_job(self->state, run, "started");
  run_steps(self, serial, run.core->start(run.now()));
  // A job that may displace this one was queued during its set-up.
  if (self->state.run(serial)) maybe_preempt(self);
}

/// Once the aggregator and the nodes are set up: tells the aggregator what
/// each shard holds (so that it can refuse inflated claims), then makes and
/// starts the job's core; fails the job when no node could be set up.
void start_core(SchedulerPtr self, JobRun& run, const std::string& failure) {
  if (!run.summary || run.ready.empty()) {
    finish(self, run, runtime::RunStatus::failed,
           failure.empty() ? "no node could be set up" : failure);
    return;
  }
  if (run.local_job) {
    // Shard i: the i-th node set up with its own data; its size the count it
    // registered, which the aggregator then weighs and checks claims by. The
    // job's --nodes becomes the number of such nodes.
    run.local = runtime::plan_local_data(self->state.table.all(), run.ready, run.setup_failures);
    if (run.local.empty()) {
      finish(self, run, runtime::RunStatus::failed,
             "no node with its own data could be set up" + (failure.empty() ? "" : ": " + failure));
      return;
    }
    run.summary->shard_sizes =
        std::make_shared<const std::vector<std::int64_t>>(run.local.shard_sizes);
    run.spec.nodes = static_cast<int>(run.local.nodes.size());
  }
  self->request(run.aggregator, run.timeout(), holdings_atom::value, *run.summary)
      .then(
          [self, serial = run.serial](bool) {
            if (auto* r = self->state.run(serial)) make_core(self, *r);
          },
          [self, serial = run.serial](caf::error& err) {
            if (auto* r = self->state.run(serial))
              finish(self, *r, runtime::RunStatus::failed,
                     "aggregator set-up failed: " + describe(err, self->system()));
          });
}

/// The nodes `run` takes at its set-up: every free one when the scheduler
/// runs one job at a time (or the job holds its own data), else at most its
/// --nodes: first those that can hold its tasks (free memory and disk, its
/// --demand), then the fastest for its model; shared, the fastest as the
/// job sees them (assess_nodes), then those serving the fewest jobs.
std::vector<std::string> nodes_for(const SchedulerState& st, const JobRun& run) {
  auto nodes = st.takeable_nodes(&run);
  const auto cap = static_cast<std::size_t>(std::max(1, run.spec.nodes));
  if (st.slots() == 1 || run.local_job || nodes.size() <= cap) return nodes;
  auto fit = assess_nodes(st, run, std::set<std::string>(nodes.begin(), nodes.end())).nodes;
  std::stable_sort(fit.begin(), fit.end(),
                   [&](const runtime::NodeInfo& a, const runtime::NodeInfo& b) {
                     if (a.speed != b.speed) return a.speed > b.speed;
                     return st.jobs_on(a.id) < st.jobs_on(b.id);
                   });
  std::vector<std::string> picked;
  for (const auto& n : fit)
    if (picked.size() < cap) picked.push_back(n.id);
  // Short of fitting nodes, others follow (their tasks wait until they can hold one).
  for (const auto& id : nodes)
    if (picked.size() < cap && std::find(picked.begin(), picked.end(), id) == picked.end())
      picked.push_back(id);
  return picked;
}

/// Sets up the aggregator and the job's nodes, then starts the core. Nodes
/// whose set-up fails are left out; the job fails only if none succeeds.
void set_up(SchedulerPtr self, JobRun& run, aggregator_actor aggregator) {
  auto& st = self->state;
  run.phase = RunPhase::setting_up;
  run.aggregator = std::move(aggregator);
  std::vector<const runtime::NodeEntry*> free;
  for (const auto& id : st.takeable_nodes(&run)) free.push_back(st.table.find(id));
  run.local_job = runtime::any_local_data(free);
  run.local = {};
  run.setup_failures.clear();
  run.setup_losses.emplace();
  if (run.local_job) {
    // A split or backups the job asks for would be ignored: refuse it rather
    // than run it otherwise than asked.
    if (auto why = runtime::local_data_conflict(run.spec); !why.empty()) {
      finish(self, run, runtime::RunStatus::refused, why);
      return;
    }
  }
  const auto nodes = nodes_for(st, run);
  auto pending = std::make_shared<std::size_t>(nodes.size() + 1);
  auto failure = std::make_shared<std::string>();
  auto aggregator_failed = std::make_shared<bool>(false);
  auto refused = std::make_shared<bool>(false);  // the job's own input, not the cluster
  auto done_one = [self, pending, failure, aggregator_failed, refused, serial = run.serial] {
    if (--*pending > 0) return;
    auto* r = self->state.run(serial);
    if (!r) return;  // ended while setting up
    observe_setup_done(*r);
    if (*aggregator_failed)
      finish(self, *r, *refused ? runtime::RunStatus::refused : runtime::RunStatus::failed,
             *failure);
    else
      start_core(self, *r, *failure);
  };
  set_up_aggregator(
      self, run,
      [self, done_one, serial = run.serial](std::int64_t version) {
        if (auto* r = self->state.run(serial)) r->setup_version = version;
        done_one();
      },
      [self, done_one, failure, aggregator_failed, refused](caf::error& err) {
        *failure = "aggregator set-up failed: " + describe(err, self->system());
        *aggregator_failed = true;
        *refused = is(err, troupe_error::job_refused);
        done_one();
      });
  for (const auto& id : nodes) {
    set_up_node(self, run, id,
                [self, failure, done_one, id, serial = run.serial](bool ok, const DataSummary* s) {
                  auto* r = self->state.run(serial);
                  if (r && ok && !r->summary) r->summary = *s;
                  if (r && !ok) {
                    // Refused by a shared node, the reason is in place already.
                    const auto* entry = self->state.table.find(id);
                    const auto why = r->setup_failures.count(id) ? r->setup_failures[id]
                                     : entry                     ? entry->lost_reason
                                                                 : "set-up of " + id + " failed";
                    r->setup_failures[id] = why;
                    if (failure->empty()) *failure = why;
                  }
                  done_one();
                });
  }
}

/// Reads the checkpoint a --resume job continues from: its own spec, from the
/// round after the checkpoint. False (the job failed) when it cannot be read.
bool load_resume_point(SchedulerPtr self, JobRun& run) {
  try {
    auto cp = runtime::read_checkpoint(run.spec.checkpoint.resume);
    auto spec = cp.job;
    spec.checkpoint.resume = run.spec.checkpoint.resume;
    if (spec.checkpoint.dir.empty()) spec.checkpoint.dir = run.spec.checkpoint.resume;
    spec.cluster.min_nodes = run.spec.cluster.min_nodes;
    spec.cluster.join_timeout_s = run.spec.cluster.join_timeout_s;
    // Its place at the scheduler is this submission's.
    spec.cluster.priority = run.spec.cluster.priority;
    spec.cluster.deadline_s = run.spec.cluster.deadline_s;
    spec.cluster.preempt = run.spec.cluster.preempt;
    run.spec = spec;
    run.resume = runtime::ResumePoint{cp.round, std::move(cp.rounds), models::fingerprint(cp.model),
                                      std::move(cp.core_state)};
    return true;
  } catch (const std::exception& e) {
    finish(self, run, runtime::RunStatus::failed, std::string("cannot resume: ") + e.what());
    return false;
  }
}

}  // namespace

runtime::JobOrderKey queue_key(const runtime::JobSpec& spec,
                               std::chrono::steady_clock::time_point submitted) {
  const double at = std::chrono::duration<double>(submitted.time_since_epoch()).count();
  return runtime::job_order_key(spec.cluster.priority, spec.cluster.deadline_s, at);
}

void enqueue(std::deque<PendingJob>& queue, PendingJob job) {
  const auto key = queue_key(job.spec, job.submitted);
  auto at = std::find_if(queue.begin(), queue.end(), [&](const PendingJob& queued) {
    return runtime::starts_before(key, queue_key(queued.spec, queued.submitted));
  });
  queue.insert(at, std::move(job));
}

void begin_job(SchedulerPtr self, PendingJob job) {
  auto& st = self->state;
  const auto serial = ++st.last_serial;
  auto& run = st.runs[serial];
  run.serial = serial;
  run.yielded = std::move(job.yielded);
  if (run.yielded) {
    run.tasks_yielded = run.yielded->tasks_yielded;
    run.placed_jointly = run.yielded->placed_jointly;
    run.placed_with_others = run.yielded->placed_with_others;
  }
  run.submitted = job.submitted;
  run.job_id = std::move(job.id);
  job_started(self, run);
  run.spec = std::move(job.spec);
  run.reply = std::move(job.reply);
  run.submitter = std::move(job.submitter);
  run.started = JobRun::Clock::now();
  run.started_utc = runtime::utc_now_iso8601();
  if (run.yielded) {
    // It yielded to a job of higher priority: it continues where it paused.
    run.yielded->paused_s +=
        std::chrono::duration<double>(run.started - run.yielded->paused_at).count();
    run.resume = run.yielded->point;
  }
  observe_job(st, run, "accepted");
  run.wait_deadline = st.uptime() + run.spec.cluster.join_timeout_s;
  if (auto why = run.spec.validate(); !why.empty()) {
    finish(self, run, runtime::RunStatus::failed, why);
    return;
  }
  if (!run.yielded && !run.spec.checkpoint.resume.empty() && !load_resume_point(self, run)) return;
  // Drawn, not counted: a scheduler restarted without its state starts its
  // serials again, and a late update of a job before the restart must not match.
  run.spec.run_id = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  try {
    runtime::make_allocator(run.spec.cluster.policy);
  } catch (const std::exception& e) {
    finish(self, run, runtime::RunStatus::failed, e.what());
    return;
  }
  try_start(self, run);
}

void try_start(SchedulerPtr self, JobRun& run) {
  auto& st = self->state;
  if (run.phase != RunPhase::waiting) return;
  const auto free = st.takeable_nodes(&run).size();
  auto aggregator = st.free_aggregator();
  if (aggregator && free >= static_cast<std::size_t>(run.spec.cluster.min_nodes)) {
    set_up(self, run, std::move(aggregator));
  } else if (st.uptime() > run.wait_deadline) {
    const auto waited = std::to_string(static_cast<int>(run.spec.cluster.join_timeout_s)) + " s";
    std::string why;
    if (st.aggregators.empty())
      why = "no aggregator registered within " + waited;
    else if (!aggregator)
      why = "no aggregator free within " + waited + " (every one serves another job)";
    else if (free < st.table.alive_count())
      why = "only " + std::to_string(free) + " of " + std::to_string(run.spec.cluster.min_nodes) +
            " nodes free within " + waited + " (others serve other jobs)";
    else
      why = "only " + std::to_string(free) + " of " + std::to_string(run.spec.cluster.min_nodes) +
            " nodes joined within " + waited;
    finish(self, run, runtime::RunStatus::failed, why);
  }
}

namespace {

/// Queued job `j` may displace `run` (--preempt, higher priority).
bool displaces(const PendingJob& j, const JobRun& run) {
  return j.spec.cluster.preempt && j.spec.cluster.priority > run.spec.cluster.priority;
}

/// Removes a pause's own checkpoint directory (the job ended for good).
void remove_pause_dir(const std::optional<Yielded>& yielded) {
  if (!yielded || yielded->pause_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(yielded->pause_dir, ec);
}

/// `run` is no longer in hand: its nodes let go of what they hold for it,
/// its nodes and aggregator are free, queued jobs may start, and jobs in
/// hand that want more nodes get the freed ones.
void end_run(SchedulerPtr self, JobRun& run) {
  auto& st = self->state;
  const std::vector<std::string> freed(run.nodes.begin(), run.nodes.end());
  for (const auto& id : freed) tell_leave(self, id, run.spec.run_id);
  st.runs.erase(run.serial);
  start_queued(self);
  for (const auto& id : freed) offer_node(self, id);
}

}  // namespace

void finish(SchedulerPtr self, JobRun& run, runtime::RunStatus status, const std::string& error) {
  auto& st = self->state;
  observe_job_finished(st, run, status, error);
  auto report = job_report(st, run, status, error);
  report.job_id = run.job_id;
  if (run.reply) run.reply->deliver(report);
  job_ended(self, report);
  remove_pause_dir(run.yielded);
  ++st.jobs_done;
  end_run(self, run);
}

std::string pause_directory(const SchedulerState& st, const JobRun& run) {
  if (!run.spec.checkpoint.dir.empty()) return run.spec.checkpoint.dir;
  // Named by this scheduler's identity too: two schedulers on one host both have a job-1.
  char tag[17];
  std::snprintf(tag, sizeof tag, "%016llx",
                static_cast<unsigned long long>(std::hash<std::string>{}(st.id)));
  std::error_code ec;
  auto tmp = std::filesystem::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return (tmp / ("troupe-paused-" + run.job_id + "-" + tag)).string();
}

namespace {

/// Asks `run` to yield to queued job `by`; false when it already was asked
/// or its core cannot pause (`by`'s submitter is told so, once).
bool ask_to_yield(SchedulerPtr self, JobRun& run, const PendingJob& by) {
  auto& st = self->state;
  if (!run.core->request_pause()) {
    // Said once per pair: every later submission checks again.
    if (!st.told_cannot_yield.insert({run.job_id, by.id}).second) return false;
    const auto text = run.job_id + " cannot yield to " + by.id +
                      " (only synchronous jobs pause at a round's end); " + by.id + " waits";
    caf::aout(self) << "troupe scheduler: " << text << std::endl;
    notify_job(st, by.id, by.submitter, text);
    return false;
  }
  std::ostringstream line;  // priorities as given (caf::aout writes 1.000000)
  line << run.job_id << " (priority " << run.spec.cluster.priority << ")";
  if (run.core->round() >= run.spec.rounds)  // SyncJobCore ends a last round, it does not pause
    line << " is in its last round: it ends instead of yielding to " << by.id << " (priority "
         << by.spec.cluster.priority << ", --preempt), which starts next";
  else
    line << " yields to " << by.id << " (priority " << by.spec.cluster.priority
         << ", --preempt) at the end of its round";
  caf::aout(self) << "troupe scheduler: " << line.str() << std::endl;
  notify_job(st, run.job_id, run.submitter, line.str());
  notify_job(st, by.id, by.submitter, line.str());
  return true;
}

}  // namespace

void maybe_preempt(SchedulerPtr self) {
  auto& st = self->state;
  // Queued jobs in their order; each may make one job in hand yield, the one
  // of the lowest priority it displaces (a job already yielding counts as
  // making room for the first of them).
  auto runs = st.runs_in_order();
  std::reverse(runs.begin(), runs.end());  // lowest priority first
  std::size_t yielding = 0;
  for (const auto* run : runs)
    if (run->core && !run->core->ended() && run->core->pause_requested()) ++yielding;
  for (const auto& by : st.queue) {
    if (!by.spec.cluster.preempt) continue;
    if (yielding > 0) {
      --yielding;
      continue;
    }
    // Beside other jobs, only one whose nodes (with the free ones) make room for it.
    const auto free = st.free_nodes().size();
    const auto needs = static_cast<std::size_t>(std::max(1, by.spec.cluster.min_nodes));
    for (auto* run : runs) {
      if (!run->core || run->core->ended() || run->core->pause_requested() || !displaces(by, *run))
        continue;
      if (st.slots() > 1 && !st.sharing() && run->nodes.size() + free < needs) continue;
      if (st.sharing() && st.table.alive_count() < needs) continue;  // no room either way
      ask_to_yield(self, *run, by);
      break;
    }
    return;  // the others wait for this one's room
  }
}

void withdraw_preemption(SchedulerPtr self) {
  auto& st = self->state;
  for (auto* run : st.runs_in_order()) {
    if (!run->core || !run->core->pause_requested()) continue;
    const bool still = std::any_of(st.queue.begin(), st.queue.end(),
                                   [&](const PendingJob& j) { return displaces(j, *run); });
    if (!still && run->core->withdraw_pause()) {
      const auto text = run->job_id + " no longer yields (the job it yielded to was cancelled)";
      caf::aout(self) << "troupe scheduler: " << text << std::endl;
      notify_job(st, run->job_id, run->submitter, text);
    }
  }
}

void requeue_paused(SchedulerPtr self, JobRun& run, int round, const std::string& dir) {
  auto& st = self->state;
  if (!run.core) return;
  Yielded y;
  if (run.yielded) {
    y = *run.yielded;
  } else {
    y.first_started = run.started;
    y.resume_given = run.spec.checkpoint.resume;
  }
  ++y.times;
  y.tasks_yielded = run.tasks_yielded;
  y.placed_jointly = run.placed_jointly;
  y.placed_with_others = run.placed_with_others;
  y.paused_at = JobRun::Clock::now();
  y.point = runtime::ResumePoint{round, run.core->rounds(), run.core->fingerprint(), ""};
  y.pause_dir = dir == run.spec.checkpoint.dir ? "" : dir;
  PendingJob again{run.job_id,    run.spec,      std::move(run.reply),
                   run.submitter, run.submitted, std::move(y)};
  again.spec.checkpoint.resume = dir;
  caf::aout(self) << "troupe scheduler: " << run.job_id << " paused after round " << round << " of "
                  << run.spec.rounds << " (checkpoint in " << dir << "); queued again" << std::endl;
  notify_job(st, run.job_id, run.submitter,
             run.job_id + " paused after round " + std::to_string(round) + " of " +
                 std::to_string(run.spec.rounds) + "; queued again, it resumes from there");
  st.jobs->yielded(run.job_id);
  enqueue(st.queue, std::move(again));
  end_run(self, run);
}

}  // namespace troupe::actors
