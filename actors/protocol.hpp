#pragma once
/// \file
/// troupe's message protocol: every atom, message type and actor interface, in
/// one place. Each custom type is registered under a fixed name (its fully
/// qualified C++ name, see CAF_ADD_TYPE_ID), so processes built from the same
/// protocol understand each other. Model parameters serialise as a small header
/// per tensor plus one raw byte block, never element by element.
///
/// One synchronous round:
///
///   scheduler                     node                          aggregator
///      | --- train_atom, TrainTask --> |                              |
///      |                               | --- model_atom, version ----> |
///      |                               | <-- version, Parameters ----- |
///      |                               |   (local training)            |
///      |                               | --- update_atom, ModelUpdate> |
///      |                               | <-- task id (ack) ----------- |
///      | <-- TrainOutcome ------------ |                               |
///      |   (all training tasks done or failed)                          |
///      | --- aggregate_atom, round --------------------------------->  |
///      | <-- AggregateOutcome (new version) ---------------------------|
///      | --- eval_atom, EvalTask ----> | (fetches the version, evaluates)
///      | <-- ClassificationMetrics --- |

#include <caf/all.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "actors/job_messages.hpp"
#include "actors/model_messages.hpp"
#include "actors/report_messages.hpp"
#include "actors/secagg_messages.hpp"
#include "actors/status_messages.hpp"
#include "models/metrics.hpp"
#include "models/parameters.hpp"
#include "runtime/aggregation/aggregator_core.hpp"
#include "runtime/aggregation/update.hpp"
#include "runtime/core/job_fields.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/core/task.hpp"
#include "runtime/scheduling/async_job.hpp"
#include "runtime/scheduling/node_table.hpp"
#include "runtime/system/admission.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::actors {

/// The version of this protocol. Every process announces it (with troupe's
/// version) in its hello to the scheduler, which refuses a different one. Bump
/// it whenever a message, type or interface below changes.
///   (each version's changes: docs/protocol.md, "Protocol versions")
inline constexpr std::int32_t kProtocolVersion = 21;

// -- messages -----------------------------------------------------------------

/// A local-training task sent to a node.
struct TrainTask {
  std::int64_t task_id = 0;
  std::int32_t round = 0;
  std::int32_t shard = 0;
  std::int64_t base_version = 0;  ///< global model version to start from
  std::uint64_t seed = 0;
  std::uint64_t run_id = 0;  ///< the job's JobSpec::run_id, copied into the update
  /// The job's --priority: a node serving several jobs runs its waiting
  /// tasks highest priority first (then in arrival order).
  double priority = 0.0;
  /// The job's --preempt: a task of lower priority that the node computes
  /// stops and waits again (from its start) while this one runs.
  bool preempt = false;
};

/// A node's answer to a TrainTask, once the aggregator answered its update.
struct TrainOutcome {
  std::int64_t task_id = 0;
  std::string node;
  std::int64_t samples = 0;
  std::int64_t samples_seen = 0;
  double mean_loss = 0.0;
  double compute_s = 0.0;
  bool dropped = false;            ///< simulated drop-out: no update was sent
  runtime::UpdateReceipt receipt;  ///< the aggregator's answer to the update
  /// Times it stopped computing for a --preempt job's task of higher
  /// priority and waited again (TrainTask::preempt).
  std::int32_t yielded = 0;
};

/// A node's update for the aggregator (one value type, from the node through
/// the aggregator core to the strategies).
using ModelUpdate = runtime::Update;

/// The scheduler's request to combine a round: only the updates of the listed
/// tasks count (a task that was reassigned may have left a stray update); the
/// round's failures go to the strategy.
using AggregateRequest = runtime::AggregateRequest;

/// The scheduler's request to checkpoint the job after `round`: the aggregator
/// writes its model, version, strategy state and these records, and for an
/// asynchronous job its held versions and buffer with the core's state.
struct CheckpointRequest {
  std::int32_t round = 0;
  std::vector<runtime::RoundRecord> rounds;
  std::string core_state;               ///< asynchronous modes: the job core's state
  std::vector<std::int64_t> in_flight;  ///< asynchronous modes: training tasks running
  std::string dir;                      ///< where to write it; empty: the job's --checkpoint-dir
};

/// The aggregator's answer to aggregate_atom.
using AggregateOutcome = runtime::AggregateOutcome;

/// What a node announces when it joins.
struct NodeRegistration {
  std::string name;
  runtime::NodeResources resources;
  runtime::DataPlacement data;
  double speed = 0.0;  ///< > 0: `--speed`, used as given; 0: measured from its tasks
  std::int32_t pid = 0;
  std::string host;
  /// The answer to the challenge the scheduler issued for this name
  /// (challenge_atom); empty when the node has no secret.
  runtime::Admission admission;
};

/// An evaluation task: evaluate global model `version` on the test set.
struct EvalTask {
  std::int64_t task_id = 0;
  std::int32_t round = 0;
  std::int64_t version = 0;
  /// Federated evaluation (--eval federated|both): on the node's held-out
  /// examples (NodeBehaviour::evaluate_held_out), not on the test set.
  bool held_out = false;
  /// The job's JobSpec::run_id: which of the jobs the node serves (0: the
  /// one it was set up for last).
  std::uint64_t run_id = 0;
  double priority = 0.0;  ///< as TrainTask::priority
  bool preempt = false;   ///< as TrainTask::preempt
};

/// The name an aggregator answers a challenge under.
inline constexpr char kAggregatorName[] = "aggregator";
/// Names under which `troupe submit` and `troupe status` answer challenges.
inline constexpr char kSubmitName[] = "submit";
inline constexpr char kStatusName[] = "status";

// -- atoms --------------------------------------------------------------------

using setup_atom = caf::atom_constant<caf::atom("setup")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using train_atom = caf::atom_constant<caf::atom("train")>;
using eval_atom = caf::atom_constant<caf::atom("evaluate")>;
using model_atom = caf::atom_constant<caf::atom("model")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using update_part_atom = caf::atom_constant<caf::atom("updpart")>;
using secagg_part_atom = caf::atom_constant<caf::atom("secpart")>;
using bulk_atom = caf::atom_constant<caf::atom("bulk")>;
using aggregate_atom = caf::atom_constant<caf::atom("aggregate")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using notice_atom = caf::atom_constant<caf::atom("notice")>;
using aggregator_atom = caf::atom_constant<caf::atom("aggregator")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using holdings_atom = caf::atom_constant<caf::atom("holdings")>;
using computing_atom = caf::atom_constant<caf::atom("computing")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;

// -- actor interfaces ---------------------------------------------------------

/// Holds the global model and combines updates.
using aggregator_actor = caf::typed_actor<
    caf::replies_to<setup_atom, runtime::JobSpec>::with<std::int64_t>,
    caf::replies_to<model_atom, std::int64_t>::with<std::int64_t, SharedModel>,
    /// The same from another process: large models over the data plane.
    caf::replies_to<model_atom, ModelRequest>::with<ModelOffer>,
    caf::replies_to<update_atom, ModelUpdate>::with<runtime::UpdateReceipt>,
    /// The same with the update's bytes in a shared block (one host).
    caf::replies_to<update_atom, ModelUpdate, net::SharedBlockRef>::with<runtime::UpdateReceipt>,
    caf::replies_to<update_part_atom, UpdatePart>::with<bool>,
    /// A ticket for an update's bytes over the data plane (net/bulk_channel.hpp).
    caf::replies_to<bulk_atom, BulkRequest>::with<BulkOffer>,
    caf::replies_to<aggregate_atom, AggregateRequest>::with<AggregateOutcome>,
    /// Writes a checkpoint into the job's --checkpoint-dir; answers its path.
    caf::replies_to<checkpoint_atom, CheckpointRequest>::with<std::string>,
    /// What each shard of the job holds (the nodes' set-up summary): updates
    /// that claim more examples than their shard holds are refused from then on.
    caf::replies_to<holdings_atom, DataSummary>::with<bool>,
    /// Secure aggregation (actors/secagg_messages.hpp), and its stage deadlines.
    caf::replies_to<secagg_atom, SecAggMessage>::with<SecAggMessage>,
    /// A masked input larger than the node's --update-part-mib, in parts
    /// before its SecAggMessage (which then has no payload).
    caf::replies_to<secagg_part_atom, UpdatePart>::with<bool>, caf::reacts_to<tick_atom>>;

/// Trains on local data and evaluates global models.
using node_actor =
    caf::typed_actor<caf::replies_to<setup_atom, runtime::JobSpec>::with<DataSummary>,
                     caf::replies_to<train_atom, TrainTask>::with<TrainOutcome>,
                     caf::replies_to<eval_atom, EvalTask>::with<models::ClassificationMetrics>,
                     /// The aggregator of the set-ups that follow (sent before each one).
                     caf::reacts_to<aggregator_atom, caf::actor>,
                     /// The job of this run id (JobSpec::run_id) ended here or moved on:
                     /// the node lets go of what it held for it (0: of every job; the
                     /// scheduler says so when the node registers).
                     caf::reacts_to<leave_atom, std::uint64_t>>;

/// Runs jobs: decomposes, allocates, dispatches, reports; keeps the node table.
/// An attached submitter receives (job_atom, id), then (progress_atom,
/// RoundRecord) after each round (as followers do), (notice_atom, text) when
/// its job yields to another or waits on one that cannot yield, and the report.
/// Admission-protected requests carry a runtime::Admission: the answer to a
/// hello's challenge (under the names kSubmitName, kStatusName, kAggregatorName
/// or the node's name). A scheduler with a secret refuses an empty or wrong
/// answer with troupe_error::admission_refused; a listening scheduler also
/// refuses a request without a nonce (no hello), and a node registration
/// whose key does not match its name or whose signature is wrong.
using scheduler_actor = caf::typed_actor<
    caf::replies_to<submit_atom, runtime::JobSpec, runtime::Admission>::with<runtime::RunReport>,
    /// A submitter's ticket for a job's model of `size` bytes (kSubmitName):
    /// it sends them to the scheduler's data plane under it, then the job
    /// without them (JobSpec's train.script_upload; actors/job_bytes.hpp).
    /// Refused when the scheduler has no data plane.
    caf::replies_to<bulk_atom, std::uint64_t, runtime::Admission>::with<BulkOffer>,
    /// Job requests, described in actors/job_messages.hpp; an unknown id is
    /// refused with troupe_error::unknown_job.
    caf::replies_to<detach_atom, runtime::JobSpec, runtime::Admission>::with<std::string>,
    caf::replies_to<jobs_atom, runtime::Admission>::with<JobList>,
    caf::replies_to<follow_atom, std::string, runtime::Admission>::with<std::string>,
    caf::replies_to<fetch_atom, std::string, runtime::Admission>::with<std::string, std::string>,
    caf::replies_to<cancel_atom, std::string, runtime::Admission>::with<bool, std::string>,
    /// A node joins (or rejoins): its registration and its node actor; the
    /// answer is the aggregator nodes fetch models from and send updates to.
    caf::replies_to<register_atom, NodeRegistration, caf::actor>::with<caf::actor>,
    /// Liveness and live usage; false tells the node to register again.
    caf::replies_to<heartbeat_atom, std::string, runtime::NodeUsage>::with<bool>,
    caf::replies_to<status_atom, runtime::Admission>::with<ClusterStatus>,
    /// An aggregator process offers itself.
    caf::replies_to<aggregator_atom, caf::actor, runtime::Admission>::with<bool>,
    /// Buffered secure aggregation: the aggregator applied a secure buffer (job run id).
    caf::reacts_to<secagg_atom, std::uint64_t, AggregateOutcome>,
    /// The first message of every process (actors/handshake.hpp): its name,
    /// troupe version and protocol version. Answers a fresh single-use nonce for
    /// `name`, the scheduler's identity (what nodes sign with the nonce), and the
    /// scheduler's troupe and protocol versions; a different protocol version is
    /// refused with troupe_error::version_mismatch. Only built-in types, so that
    /// processes of any two versions understand this message.
    caf::replies_to<hello_atom, std::string, std::string,
                    std::int32_t>::with<std::string, std::string, std::string, std::int32_t>,
    /// A node began computing a training task (job run id, task id): only
    /// the task's node is heard. A tick with the job serial is a core's wake.
    caf::reacts_to<computing_atom, std::uint64_t, std::int64_t>,
    caf::reacts_to<tick_atom, std::uint64_t>, caf::reacts_to<tick_atom>>;

}  // namespace troupe::actors

// -- serialisation ------------------------------------------------------------

namespace troupe::models {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClassificationMetrics& x) {
  return f(caf::meta::type_name("troupe.ClassificationMetrics"), x.accuracy, x.precision, x.recall,
           x.f1, x.loss, x.num_classes, x.confusion);
}

}  // namespace troupe::models

namespace troupe::runtime {

/// Shared bytes (a job's TorchScript model, its test set) travel as a string;
/// a received job gets bytes of its own, which its copies then share.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SharedText& x) {
  if constexpr (Inspector::reads_state) {
    return f(const_cast<std::string&>(x.str()));  // read, never written
  } else {
    std::string bytes;
    auto err = f(bytes);
    x = SharedText(std::move(bytes));
    return err;
  }
}

/// Every option of the field table (runtime/core/job_fields.hpp), in its
/// order; enums travel as their underlying integers. Logs show the name only.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobSpec& x) {
  if constexpr (std::is_void_v<typename Inspector::result_type>) {
    f(caf::meta::type_name("troupe.JobSpec"), x.name);
  } else {
    typename Inspector::result_type err = f(caf::meta::type_name("troupe.JobSpec"));
    for_each_field(x, [&](const JobField&, auto& member) {
      if (!err) err = f(member);
    });
    // What is shipped with the job besides its options (the files' contents).
    if (!err)
      err = f(x.train.model_script, x.train.model_sha256, x.data.test_set, x.run_id,
              x.train.script_offer.ticket, x.train.script_offer.port, x.train.script_offer.hosts,
              x.train.script_offer.size, x.train.script_upload);
    return err;
  }
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Task& x) {
  return f(caf::meta::type_name("troupe.Task"), x.id, x.kind, x.round, x.shard, x.priority,
           x.demand, x.seed, x.node, x.state, x.queued_at, x.assigned_at, x.started_at,
           x.finished_at, x.error, x.samples, x.loss, x.reassigned_from, x.backup_of,
           x.base_version, x.version, x.staleness);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, GpuInfo& x) {
  return f(caf::meta::type_name("troupe.GpuInfo"), x.name, x.memory_total, x.memory_free);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeResources& x) {
  return f(caf::meta::type_name("troupe.NodeResources"), x.cores, x.memory_total,
           x.memory_available, x.disk_free, x.gpus, x.gpu_note);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, GpuUsage& x) {
  return f(caf::meta::type_name("troupe.GpuUsage"), x.utilisation, x.memory_used, x.memory_total);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeUsage& x) {
  return f(caf::meta::type_name("troupe.NodeUsage"), x.cpu_utilisation, x.rss, x.memory_available,
           x.disk_free, x.gpus, x.bytes_sent, x.bytes_received, x.transfer_rate);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UsagePoint& x) {
  return f(caf::meta::type_name("troupe.UsagePoint"), x.t, x.cpu, x.rss, x.memory_available,
           x.disk_free, x.gpu, x.gpu_memory_used, x.bytes_sent, x.bytes_received);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Throughput& x) {
  return f(caf::meta::type_name("troupe.Throughput"), x.examples_per_s, x.tasks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, DataPlacement& x) {
  return f(caf::meta::type_name("troupe.DataPlacement"), x.shard, x.shards, x.local_examples,
           x.label_histogram, x.feature_shape, x.feature_type, x.source);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RoundRecord& x) {
  return f(caf::meta::type_name("troupe.RoundRecord"), x.round, x.version, x.accuracy, x.precision,
           x.recall, x.f1, x.loss, x.train_loss, x.seconds, x.updates, x.failed, x.late, x.dropped,
           x.mean_staleness, x.backups, x.backups_won, x.lost_shards, x.federated, x.secure);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SecureSumRecord& x) {
  return f(caf::meta::type_name("troupe.SecureSumRecord"), x.participants, x.included, x.recovered,
           x.excluded, x.sums);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeEvaluation& x) {
  return f(caf::meta::type_name("troupe.NodeEvaluation"), x.node, x.round, x.examples, x.accuracy,
           x.precision, x.recall, x.f1, x.loss, x.error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, FederatedRecord& x) {
  return f(caf::meta::type_name("troupe.FederatedRecord"), x.nodes, x.examples, x.accuracy,
           x.precision, x.recall, x.f1, x.loss, x.per_node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VersionRecord& x) {
  return f(caf::meta::type_name("troupe.VersionRecord"), x.version, x.tasks);
}

/// The parameters go through Parameters' raw byte path.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Update& x) {
  return f(caf::meta::type_name("troupe.ModelUpdate"), x.task_id, x.round, x.node, x.base_version,
           x.samples, x.loss, x.shard, x.seed, x.attack, x.score, x.run_id, x.params);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UpdateFailure& x) {
  return f(caf::meta::type_name("troupe.UpdateFailure"), x.task_id, x.node, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AggregateRequest& x) {
  return f(caf::meta::type_name("troupe.AggregateRequest"), x.round, x.task_ids, x.failures,
           x.task_shards);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AggregateOutcome& x) {
  return f(caf::meta::type_name("troupe.AggregateOutcome"), x.version, x.updates, x.changed,
           x.fingerprint, x.clip_norm, x.secure);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UpdateReceipt& x) {
  return f(caf::meta::type_name("troupe.UpdateReceipt"), x.accepted, x.reason, x.version,
           x.new_version, x.staleness, x.fingerprint);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Admission& x) {
  return f(caf::meta::type_name("troupe.Admission"), x.nonce, x.proof, x.public_key, x.signature);
}

}  // namespace troupe::runtime

namespace troupe::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TrainTask& x) {
  return f(caf::meta::type_name("troupe.TrainTask"), x.task_id, x.round, x.shard, x.base_version,
           x.seed, x.run_id, x.priority, x.preempt);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TrainOutcome& x) {
  return f(caf::meta::type_name("troupe.TrainOutcome"), x.task_id, x.node, x.samples,
           x.samples_seen, x.mean_loss, x.compute_s, x.dropped, x.receipt, x.yielded);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointRequest& x) {
  return f(caf::meta::type_name("troupe.CheckpointRequest"), x.round, x.rounds, x.core_state,
           x.in_flight, x.dir);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeRegistration& x) {
  return f(caf::meta::type_name("troupe.NodeRegistration"), x.name, x.resources, x.data, x.speed,
           x.pid, x.host, x.admission);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EvalTask& x) {
  return f(caf::meta::type_name("troupe.EvalTask"), x.task_id, x.round, x.version, x.held_out,
           x.run_id, x.priority, x.preempt);
}

}  // namespace troupe::actors

// -- registration under fixed names -------------------------------------------

CAF_BEGIN_TYPE_ID_BLOCK(troupe, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(troupe, (troupe::models::Parameters))
CAF_ADD_TYPE_ID(troupe, (troupe::models::ClassificationMetrics))
CAF_ADD_TYPE_ID(troupe, (troupe::runtime::JobSpec))
CAF_ADD_TYPE_ID(troupe, (troupe::runtime::RunReport))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::DataSummary))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::TrainTask))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::TrainOutcome))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::ModelUpdate))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::AggregateOutcome))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::EvalTask))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::AggregateRequest))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::NodeRegistration))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::ClusterStatus))
CAF_ADD_TYPE_ID(troupe, (troupe::runtime::NodeUsage))
CAF_ADD_TYPE_ID(troupe, (troupe::runtime::RoundRecord))
CAF_ADD_TYPE_ID(troupe, (troupe::runtime::UpdateReceipt))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::CheckpointRequest))
CAF_ADD_TYPE_ID(troupe, (troupe::runtime::Admission))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::JobList))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::SecAggMessage))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::SharedModel))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::UpdatePart))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::BulkRequest))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::BulkOffer))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::ModelRequest))
CAF_ADD_TYPE_ID(troupe, (troupe::actors::ModelOffer))
CAF_ADD_TYPE_ID(troupe, (troupe::net::SharedBlockRef))
CAF_END_TYPE_ID_BLOCK(troupe)
