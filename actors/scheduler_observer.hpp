#pragma once
/// \file
/// What the scheduler tells its operators: a log line for every event worth
/// knowing (nodes joining and lost, tasks reassigned, refusals, jobs) and the
/// metrics of runtime::MetricsRegistry when the process serves them
/// (SchedulerConfig::metrics). The scheduler's files call these where the
/// events happen; nothing here changes the scheduler's state.

#include <cstdint>
#include <string>

#include "actors/protocol.hpp"
#include "runtime/core/job_enums.hpp"
#include "runtime/core/task.hpp"

namespace troupe::runtime {
class MetricsRegistry;
struct RoundRecord;
}  // namespace troupe::runtime

namespace troupe::actors {

struct SchedulerState;
struct JobRun;

/// Why a node counts as lost.
enum class LossCause { connection_dropped, heartbeat_silent, setup_failed, replaced };

/// Why a request was refused at the door (the metric's `reason` label).
enum class Refusal { version, admission, node_key };

/// Declares every scheduler metric (names in docs/monitoring.md), with
/// troupe_build_info set.
void declare_scheduler_metrics(runtime::MetricsRegistry& metrics);

void observe_node_joined(const SchedulerState& st, const NodeRegistration& reg);
/// Logged and counted. While the nodes of `run` (the job the node served,
/// or null) are set up (JobRun::setup_losses set), a set-up failure for a
/// reason already logged (the node's name taken out: the job's own input
/// fails every node alike) is only counted, and observe_setup_done() names
/// those nodes in one line.
void observe_node_lost(const SchedulerState& st, JobRun* run, const std::string& id,
                       LossCause cause, const std::string& reason);
/// The job's nodes are set up: one line per set-up failure reason that more
/// nodes repeated, naming them; ends the grouping of observe_node_lost().
void observe_setup_done(JobRun& run);
/// `who` was refused because of `why`: counted, and logged unless `who` is
/// empty (status requests, which clients repeat, are counted only).
void observe_refusal(const SchedulerState& st, Refusal kind, const std::string& who,
                     const std::string& why);
/// Task `task` starts on its node (a reassignment when it replaces a failed task).
void observe_task_started(const SchedulerState& st, const JobRun& run, const runtime::Task& task);
void observe_task_failed(const SchedulerState& st, std::int64_t task, const std::string& node,
                         const std::string& why);
void observe_round(const SchedulerState& st, const runtime::RoundRecord& record);
/// A job in hand was accepted (`event` "accepted") or started (its core runs: "started").
void observe_job(const SchedulerState& st, const JobRun& run, const std::string& event);
/// A job in hand ends with `status` (and `error`, when it failed).
void observe_job_finished(const SchedulerState& st, const JobRun& run, runtime::RunStatus status,
                          const std::string& error);
/// Periodic gauges: nodes alive, heartbeat ages, bytes per node, queue length.
void observe_tick(const SchedulerState& st);

}  // namespace troupe::actors
