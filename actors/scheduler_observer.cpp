// The scheduler's log lines and metrics. Message texts start with
// "troupe scheduler: " like every line the scheduler printed before levels
// and timestamps came, so that what people (and tests) grep for still matches.

#include "actors/scheduler_observer.hpp"

#include "actors/scheduler_state.hpp"
#include "runtime/core/report.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/metrics.hpp"

namespace troupe::actors {
namespace {

namespace logging = runtime::logging;
using runtime::MetricType;

const char* cause_name(LossCause cause) {
  switch (cause) {
    case LossCause::connection_dropped:
      return "connection dropped";
    case LossCause::heartbeat_silent:
      return "heartbeat silent";
    case LossCause::setup_failed:
      return "set-up failed";
    case LossCause::replaced:
      return "replaced";
  }
  return "connection dropped";
}

/// The metric label of a cause (no spaces: labels are matched in queries).
const char* cause_label(LossCause cause) {
  switch (cause) {
    case LossCause::connection_dropped:
      return "connection_dropped";
    case LossCause::heartbeat_silent:
      return "heartbeat_silent";
    case LossCause::setup_failed:
      return "setup_failed";
    case LossCause::replaced:
      return "replaced";
  }
  return "connection_dropped";
}

const char* refusal_label(Refusal kind) {
  switch (kind) {
    case Refusal::version:
      return "version";
    case Refusal::admission:
      return "admission";
    case Refusal::node_key:
      return "node_key";
  }
  return "admission";
}

runtime::MetricsRegistry* metrics(const SchedulerState& st) {
  return st.config.metrics.get();
}

}  // namespace

void declare_scheduler_metrics(runtime::MetricsRegistry& m) {
  m.declare("troupe_build_info", MetricType::gauge, "troupe's version (always 1)");
  m.set("troupe_build_info", 1, {{"version", TROUPE_VERSION}});
  m.declare("troupe_rounds_total", MetricType::counter, "Rounds evaluated, over all jobs");
  m.declare("troupe_model_version", MetricType::gauge, "Global model version of the latest round");
  m.declare("troupe_accuracy", MetricType::gauge, "Test accuracy of the latest round");
  m.declare("troupe_loss", MetricType::gauge, "Test loss of the latest round");
  m.declare("troupe_nodes_alive", MetricType::gauge, "Nodes alive in the node table");
  m.declare("troupe_nodes_lost_total", MetricType::counter, "Nodes declared lost, by cause");
  m.declare("troupe_node_heartbeat_age_seconds", MetricType::gauge,
            "Seconds since each node's latest heartbeat");
  m.declare("troupe_node_sent_bytes", MetricType::gauge,
            "Model bytes each node sent (its updates) since its process started, by its heartbeat");
  m.declare("troupe_node_received_bytes", MetricType::gauge,
            "Model bytes each node received (global models) since its process started");
  m.declare("troupe_tasks_started_total", MetricType::counter, "Tasks sent to nodes");
  m.declare("troupe_tasks_failed_total", MetricType::counter, "Tasks that failed");
  m.declare("troupe_tasks_reassigned_total", MetricType::counter,
            "Tasks started in place of a failed one");
  m.declare("troupe_admission_refusals_total", MetricType::counter,
            "Requests refused by the scheduler, by reason");
  m.declare("troupe_guard_refusals_total", MetricType::counter,
            "Connections closed by the message guard, by reason");
  m.declare("troupe_jobs_total", MetricType::counter, "Jobs finished, by status");
  m.declare("troupe_jobs_queued", MetricType::gauge, "Jobs waiting behind the one in hand");
  m.declare("troupe_job_running", MetricType::gauge, "1 while a job is in hand");
  // Series without labels exist from the start, so that a query finds 0, not nothing.
  for (const char* counter : {"troupe_rounds_total", "troupe_tasks_started_total",
                              "troupe_tasks_failed_total", "troupe_tasks_reassigned_total"})
    m.add(counter, 0);
  for (const char* gauge : {"troupe_nodes_alive", "troupe_jobs_queued", "troupe_job_running"})
    m.set(gauge, 0);
}

void observe_node_joined(const SchedulerState& st, const NodeRegistration& reg) {
  const auto& r = reg.resources;
  logging::info("troupe scheduler: node '" + reg.name + "' joined from " + reg.host + " (pid " +
                    std::to_string(reg.pid) + "): " + std::to_string(r.cores) + " cores, " +
                    std::to_string(r.memory_total >> 20) + " MiB memory, " +
                    std::to_string(r.gpus.size()) + " GPUs",
                {{"event", "node_joined"}, {"node", reg.name}, {"host", reg.host}});
  if (auto* m = metrics(st)) m->set("troupe_nodes_alive", st.table.alive_count());
}

void observe_node_lost(const SchedulerState& st, JobRun* run, const std::string& id,
                       LossCause cause, const std::string& reason) {
  bool repeated = false;  // a set-up failure already logged for another node
  if (cause == LossCause::setup_failed && run && run->setup_losses) {
    // The node's name in its own message ("node-7: set-up failed: ...") set apart.
    std::string key = reason;
    for (auto at = key.find(id + ":"); at != std::string::npos; at = key.find(id + ":", at))
      key.replace(at, id.size(), "<node>");
    auto [it, first] = run->setup_losses->try_emplace(key);
    if (!first) it->second.push_back(id);
    repeated = !first;
  }
  const std::string line =
      "troupe scheduler: node '" + id + "' lost (" + cause_name(cause) + "): " + reason;
  const logging::Fields fields{{"event", "node_lost"}, {"node", id}, {"cause", cause_label(cause)}};
  if (repeated)
    logging::debug(line, fields);  // observe_setup_done() names it
  else
    logging::warn(line, fields);
  if (auto* m = metrics(st)) {
    m->add("troupe_nodes_lost_total", 1, {{"cause", cause_label(cause)}});
    m->set("troupe_nodes_alive", st.table.alive_count());
  }
}

void observe_setup_done(JobRun& run) {
  if (!run.setup_losses) return;
  constexpr std::size_t kNamed = 8;  // nodes named in the line; the rest counted
  for (const auto& [reason, nodes] : *run.setup_losses) {
    if (nodes.empty()) continue;
    std::string names;
    for (std::size_t i = 0; i < nodes.size() && i < kNamed; ++i)
      names += (i ? ", " : "") + nodes[i];
    if (nodes.size() > kNamed) names += " and " + std::to_string(nodes.size() - kNamed) + " more";
    logging::warn("troupe scheduler: " + std::to_string(nodes.size()) +
                      " more nodes lost (set-up failed) for the same reason: " + names,
                  {{"event", "nodes_lost"},
                   {"cause", cause_label(LossCause::setup_failed)},
                   {"count", std::to_string(nodes.size())}});
  }
  run.setup_losses.reset();
}

void observe_refusal(const SchedulerState& st, Refusal kind, const std::string& who,
                     const std::string& why) {
  if (!who.empty())
    logging::warn("troupe scheduler: refused " + who + ": " + why,
                  {{"event", "refused"}, {"reason", refusal_label(kind)}});
  if (auto* m = metrics(st))
    m->add("troupe_admission_refusals_total", 1, {{"reason", refusal_label(kind)}});
}

void observe_task_started(const SchedulerState& st, const JobRun& run, const runtime::Task& task) {
  auto* m = metrics(st);
  if (m) m->add("troupe_tasks_started_total");
  if (task.reassigned_from < 0 || !run.core) {
    logging::debug("troupe scheduler: task " + std::to_string(task.id) + " started on " + task.node,
                   {{"event", "task_started"}, {"node", task.node}});
    return;
  }
  const auto& from = run.core->task(task.reassigned_from).node;
  logging::info("troupe scheduler: task " + std::to_string(task.reassigned_from) +
                    " reassigned from " + from + " to " + task.node + " (as task " +
                    std::to_string(task.id) + ")",
                {{"event", "task_reassigned"}, {"from", from}, {"to", task.node}});
  if (m) m->add("troupe_tasks_reassigned_total");
}

void observe_task_failed(const SchedulerState& st, std::int64_t task, const std::string& node,
                         const std::string& why) {
  logging::warn(
      "troupe scheduler: task " + std::to_string(task) + " on " + node + " failed: " + why,
      {{"event", "task_failed"}, {"node", node}});
  if (auto* m = metrics(st)) m->add("troupe_tasks_failed_total");
}

void observe_round(const SchedulerState& st, const runtime::RoundRecord& r) {
  auto* m = metrics(st);
  if (!m) return;
  m->add("troupe_rounds_total");
  m->set("troupe_model_version", static_cast<double>(r.version));
  m->set("troupe_accuracy", r.accuracy);
  m->set("troupe_loss", r.loss);
}

void observe_job(const SchedulerState& st, const JobRun& run, const std::string& event) {
  logging::info("troupe scheduler: job '" + run.spec.name + "' " + event,
                {{"event", "job_" + event}, {"job", run.spec.name}, {"id", run.job_id}});
  if (auto* m = metrics(st)) {
    m->set("troupe_job_running", static_cast<double>(st.runs.size()));
    m->set("troupe_jobs_queued", static_cast<double>(st.queue.size()));
  }
}

void observe_job_finished(const SchedulerState& st, const JobRun& run, runtime::RunStatus status,
                          const std::string& error) {
  const auto name = runtime::to_string(status);
  logging::write(status == runtime::RunStatus::ok ? logging::Level::info : logging::Level::warn,
                 "troupe scheduler: job '" + run.spec.name + "' finished: " + name +
                     (error.empty() ? "" : " (" + error + ")"),
                 {{"event", "job_finished"}, {"job", run.spec.name}, {"status", name}});
  if (auto* m = metrics(st)) {
    m->add("troupe_jobs_total", 1, {{"status", name}});
    // Still counted among the runs: it ends once this returns.
    m->set("troupe_job_running", static_cast<double>(st.runs.size() - 1));
  }
}

void observe_tick(const SchedulerState& st) {
  auto* m = metrics(st);
  if (!m) return;
  const auto now = st.uptime();
  m->set("troupe_nodes_alive", st.table.alive_count());
  for (const auto* n : st.table.all()) {
    const runtime::MetricLabels node{{"node", n->id}};
    m->set("troupe_node_heartbeat_age_seconds", now - n->last_seen, node);
    m->set("troupe_node_sent_bytes", static_cast<double>(n->usage.bytes_sent), node);
    m->set("troupe_node_received_bytes", static_cast<double>(n->usage.bytes_received), node);
  }
  m->set("troupe_jobs_queued", static_cast<double>(st.queue.size()));
  m->set("troupe_job_running", static_cast<double>(st.runs.size()));
}

}  // namespace troupe::actors
