#pragma once
/// \file
/// Cluster bootstrap across processes: the scheduler, aggregator and node
/// processes, and the submit/status clients, over CAF remoting (TCP). Each
/// function runs one process's life: it connects or publishes, works until it
/// is told to stop (SIGINT/SIGTERM) or its peer is gone for good, and returns
/// an exit code (0 ok, 1 failure). Messages go to stdout/stderr.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "actors/endpoint.hpp"
#include "actors/node_actor.hpp"
#include "actors/protocol.hpp"
#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/io/job_registry.hpp"
#include "runtime/scheduling/node_table.hpp"
#include "runtime/system/node_identity.hpp"

namespace troupe::actors {

struct SchedulerProcessOptions {
  Endpoint listen;
  std::optional<Endpoint> aggregator;  ///< connect to a separate aggregator instead of hosting one
  double heartbeat_timeout_s = 5.0;
  /// Jobs run at once (--concurrent-jobs), each on nodes and an aggregator of
  /// its own; the scheduler hosts this many aggregators unless `aggregator` is set.
  int concurrent_jobs = 1;
  /// Jobs in hand share nodes (--share-nodes; SchedulerConfig::share_nodes).
  bool share_nodes = false;
  /// Free memory and disk (bytes) a node must report to get tasks.
  std::uint64_t min_free_memory = std::uint64_t{256} << 20;
  std::uint64_t min_free_disk = std::uint64_t{16} << 20;
  /// Node names and their public keys (--allowed-nodes); empty: each name is
  /// bound to the first key it registers with, for the scheduler's lifetime.
  std::map<std::string, std::string> allowed_nodes;
  /// --state-dir: where jobs and their reports persist (runtime/io/job_registry.hpp);
  /// empty: in memory for the process's life.
  std::string state_dir;
  /// Renders a finished job's JSON and HTML reports (the CLI's report writers).
  std::function<runtime::JobReports(const runtime::RunReport&)> render;
  /// Serve /metrics and /healthz here (--metrics-listen); empty: not at all.
  std::optional<Endpoint> metrics_listen;
  std::string metrics_port_file;  ///< write the metrics endpoint's bound port here
  ProcessOptions common;
};
/// Exits 2 when the state directory is unusable or its files are malformed.
int run_scheduler_process(const SchedulerProcessOptions& options);

struct AggregatorProcessOptions {
  Endpoint listen;
  Endpoint scheduler;
  ProcessOptions common;
};
int run_aggregator_process(const AggregatorProcessOptions& options);

struct NodeProcessOptions {
  Endpoint scheduler;
  std::string name;                  ///< default: host name and process id
  int threads = 0;                   ///< 0: the job's --threads
  std::string device;                ///< empty: the job's --device
  std::string data_dir;              ///< empty: the job's --data-dir
  runtime::DataPlacement placement;  ///< --shard i/n
  /// --data: the node's own examples (CSV, x.npy/y.npy directory or IDX pair),
  /// read once at start; empty: shards of the job's data set.
  std::string data_path;
  std::string label_column;  ///< --label-column (CSV; empty: the last column)
  double speed = 0.0;        ///< --speed; 0: the scheduler measures it
  double heartbeat_interval_s = 1.0;
  /// --update-part-mib: larger updates go to the aggregator in parts of this
  /// size (NodeConfig::update_part_bytes).
  double update_part_mib = 64.0;
  /// --bulk-min-mib: updates of at least this size go over the data plane
  /// (NodeConfig::bulk_min_bytes).
  double bulk_min_mib = 1.0;
  /// --no-shared-memory: no shared blocks with an aggregator on this host
  /// (NodeConfig::shared_memory).
  bool no_shared_memory = false;
  double speed_factor = 1.0;  ///< --slow-factor: trains this many times slower
  double dropout = -1.0;      ///< --dropout (< 0: the job's)
  std::string attack;         ///< --attack: scale | signflip | random
  double attack_scale = 10.0;
  /// --secure-pause-before-masking: blocks this long before masking in each
  /// secure sum (tests kill the node then; NodeConfig::secure_pause_before_masking_s).
  double secure_pause_before_masking_s = 0.0;
  std::string behaviour;  ///< --node-behaviour (empty: the job's)
  /// Makes this process's node actor instead of the built-in node, e.g. a
  /// program's own typed node actor (see actors/node_actor.hpp). Empty: built-in.
  NodeSpawner spawn_node;
  /// The node's identity (--key-file); null: the key at runtime::default_key_file(),
  /// created there on first use.
  std::shared_ptr<const runtime::NodeKey> key;
  ProcessOptions common;
};
/// Exits 2 without registering when --data cannot be read.
int run_node_process(const NodeProcessOptions& options);

struct SubmitOptions {
  Endpoint scheduler;
  runtime::JobSpec job;
  ProcessOptions common;
  /// Shows each round's progress; empty: a plain line per round unless quiet.
  std::function<void(const runtime::RoundRecord&)> on_round;
  /// Told the job's id once the scheduler accepted it.
  std::function<void(const std::string&)> on_id;
  /// Told what the scheduler says of the job while it waits or runs (it
  /// yields to another, or waits on one that cannot yield); empty: a line
  /// "troupe submit: TEXT" on standard error, also when quiet.
  std::function<void(const std::string&)> on_notice;
  /// How long an interrupted submit waits for its cancelled job's report.
  double cancel_wait_s = 10.0;
};
/// Submits, streams progress lines, and returns the report (status "failed"
/// with the reason when the scheduler cannot be reached or is lost). On
/// SIGINT or SIGTERM it cancels its job and returns the cancelled report
/// (stop_signal() says which signal); a submitter that dies instead loses
/// nothing: the job runs on and its report stays with the scheduler.
runtime::RunReport run_submit(const SubmitOptions& options);

/// Submits without following (submit --detach): the job's id, or empty with
/// `why` set when the scheduler cannot be reached or refuses.
std::optional<std::string> submit_detached(const SubmitOptions& options, std::string* why);

/// Asks the scheduler for the cluster's nodes and job progress. Empty with
/// `why` set when the scheduler cannot be reached or refuses.
std::optional<ClusterStatus> fetch_status(const Endpoint& scheduler, const ProcessOptions& options,
                                          std::string* why);

}  // namespace troupe::actors
