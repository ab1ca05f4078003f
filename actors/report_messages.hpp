#pragma once
/// \file
/// How a job's report travels: the serialisation of runtime::RunReport and its
/// parts (the scheduler answers a submission with it). Part of the protocol
/// (actors/protocol.hpp includes it and registers RunReport); kept apart so
/// that the protocol header stays readable.

#include <caf/all.hpp>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeRecord& x) {
  return f(caf::meta::type_name("troupe.NodeRecord"), x.id, x.tasks, x.busy_s, x.utilisation,
           x.bytes_sent, x.bytes_received, x.transfer_rate, x.usage);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Efficiency& x) {
  return f(caf::meta::type_name("troupe.Efficiency"), x.makespan_s, x.mean_completion_s,
           x.p95_completion_s, x.utilisation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointRecord& x) {
  return f(caf::meta::type_name("troupe.CheckpointRecord"), x.written, x.failed,
           x.last_written_round, x.last_error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeDataRecord& x) {
  return f(caf::meta::type_name("troupe.NodeDataRecord"), x.node, x.shard, x.examples,
           x.label_histogram, x.source, x.error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Provenance& x) {
  return f(caf::meta::type_name("troupe.Provenance"), x.troupe_version, x.started_utc, x.hosts,
           x.command_line, x.job_file);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PrivacyRecord& x) {
  return f(caf::meta::type_name("troupe.PrivacyRecord"), x.mode, x.noise_multiplier, x.clip_norm,
           x.clip_norms, x.delta, x.target_epsilon, x.sampling_rate, x.steps_per_round,
           x.accountant, x.epsilon, x.stopped_by_budget);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VirtualDevice& x) {
  return f(caf::meta::type_name("troupe.VirtualDevice"), x.node, x.examples_per_s, x.bandwidth_mbps,
           x.latency_ms, x.straggler);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClockRecord& x) {
  return f(caf::meta::type_name("troupe.ClockRecord"), x.kind, x.device_profile, x.real_s,
           x.devices);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunReport& x) {
  return f(caf::meta::type_name("troupe.RunReport"), x.job_id, x.status, x.error, x.policy,
           x.strategy, x.config, x.tasks, x.rounds, x.versions, x.mode, x.final_metrics,
           x.model_fingerprint, x.nodes, x.efficiency, x.wall_s, x.resumed_from_round,
           x.checkpoints, x.node_data, x.test_size, x.provenance, x.privacy, x.job, x.clock);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobTiming& x) {
  return f(caf::meta::type_name("troupe.JobTiming"), x.priority, x.deadline_s, x.waiting_s,
           x.completion_s, x.deadline_met, x.preempted, x.paused_s, x.tasks_yielded,
           x.placed_jointly, x.placed_with_others);
}

}  // namespace troupe::runtime
