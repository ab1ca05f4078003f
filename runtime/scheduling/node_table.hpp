#pragma once
/// \file
/// The scheduler's view of the cluster: which nodes joined, what they have,
/// when they were last heard from, and which are lost. Pure: the caller passes
/// the time, so liveness rules are tested without clocks or a network.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/core/task.hpp"
#include "runtime/core/task_tracker.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::runtime {

enum class Liveness : std::uint8_t { alive = 0, lost = 1 };
const char* to_string(Liveness state);

/// How a node holds data.
struct DataPlacement {
  int shard = -1;  ///< >= 0: holds only this shard of a `shards`-way partition
  int shards = 0;
  /// >= 0: the node holds its own examples (`troupe node --data`), this many;
  /// a job then trains each such node on its own data, weighted by this count.
  std::int64_t local_examples = -1;
  std::vector<std::int64_t> label_histogram;  ///< local data: examples per label
  std::vector<std::int64_t> feature_shape;    ///< local data: shape of one example
  std::string feature_type;                   ///< local data: "uint8" | "float32"
  std::string source;                         ///< local data: the path it was read from

  bool local() const { return local_examples >= 0; }
};

/// What a node's completed training tasks measured for one model: examples
/// per second, as an exponential moving average (the newest task weighs
/// kThroughputSmoothing), over `tasks` tasks.
struct Throughput {
  double examples_per_s = 0.0;
  std::int64_t tasks = 0;
  /// The relative speed (before kSpeedNoiseBand) the node was last planned
  /// with (0: not yet, and again after a join), kept while the measured one
  /// stays within kSpeedReplanFactor of it (NodeTable::planning_speed).
  /// Planning state, not a measurement: it changes only when planning looks
  /// at it, so it is mutable there.
  mutable double planned_speed = 0.0;
};

/// Weight of a node's newest task in its throughput average: about the last
/// five tasks count, so a node that slows down (another tenant, thermal
/// throttling) is planned with its new speed within a few tasks.
inline constexpr double kThroughputSmoothing = 0.3;

/// Measured speeds within this factor of the mean plan as 1. On two shared
/// cores the same 750-example MLP task took 9 to 50 ms within one run
/// (`troupe run --nodes 4 --train-limit 3000`), so smaller differences are
/// mostly noise; planning with them piled two shards on one of several equal
/// nodes and made the round wait for both.
inline constexpr double kSpeedNoiseBand = 2.0;

/// A node keeps the relative speed it was planned with until the measured one
/// moves beyond this factor of it: as kSpeedNoiseBand, smaller changes are
/// taken for noise. With 50 node processes on two cores one node's one-step
/// MLP tasks measured from 1,000 to 85,000 examples/s within a run
/// (`bench/cluster_bench.sh build full 50`), so its smoothed speed wandered
/// from round to round, each wander changed every node's share of the round,
/// and about 10 of the 50 shards moved to another node (which reads their
/// rows again) each round (docs/results.md has what this changed).
inline constexpr double kSpeedReplanFactor = 2.0;
/// How far beyond kSpeedNoiseBand a node planned within it may be measured
/// before it is planned with its measured speed (and how far inside it one
/// planned outside): the band's own edges do not flip plans.
inline constexpr double kSpeedBandMargin = 1.25;

/// The key a node's measured throughput is kept under for `job`: its built-in
/// model, or its TorchScript module's SHA-256.
std::string model_key(const JobSpec& job);

struct NodeEntry {
  std::string id;
  NodeResources resources;
  NodeUsage usage;
  DataPlacement data;
  double speed = 1.0;        ///< as registered (`--speed`), 1 when not given
  bool speed_given = false;  ///< `--speed` was given: it overrides the measured throughput
  /// Measured per model (runtime::model_key of a job); kept when the node rejoins.
  std::map<std::string, Throughput> throughput;
  Liveness state = Liveness::alive;
  Seconds joined_at = 0.0;
  Seconds last_seen = 0.0;
  int incarnation = 0;  ///< times it (re)joined
  std::string lost_reason;
  std::int64_t current_task = -1;
  /// Heartbeat samples, `t` in the table's clock; at most kUsageHistory (older
  /// ones are thinned out, keeping every other sample).
  std::vector<UsagePoint> history;
};

/// Samples kept per node before the history is thinned.
inline constexpr std::size_t kUsageHistory = 2048;

/// One heartbeat as a report sample at time `t`.
UsagePoint usage_point(double t, const NodeUsage& usage);

class NodeTable {
 public:
  /// A node not heard from for `heartbeat_timeout` seconds is declared lost.
  explicit NodeTable(Seconds heartbeat_timeout) : timeout_(heartbeat_timeout) {}

  /// Adds a node, or brings a known one back (a restarted node re-registers).
  /// `speed` > 0: the node's `--speed`, used as given; 0 (or less): planned
  /// from its measured throughput. Returns the entry.
  const NodeEntry& join(const std::string& id, const NodeResources& resources, DataPlacement data,
                        double speed, Seconds now);
  /// Records a heartbeat; false for an unknown or lost node (it must re-register).
  bool heartbeat(const std::string& id, const NodeUsage& usage, Seconds now);
  /// Declares a node lost (connection dropped, task timed out, ...); false if unknown or already
  /// lost.
  bool lose(const std::string& id, const std::string& reason);
  /// Declares lost every alive node silent for longer than the timeout; returns their ids.
  std::vector<std::string> expire(Seconds now);
  void set_current_task(const std::string& id, std::int64_t task);
  /// A training task of `model` on node `id` went through `examples` examples
  /// in `seconds` (as the node measured it, stragglers' waits included).
  /// Ignored for unknown nodes and for tasks without examples or time.
  void record_throughput(const std::string& id, const std::string& model, std::int64_t examples,
                         Seconds seconds);
  /// The relative speed to plan node `id` with for jobs of `model`: its
  /// `--speed` when given; else its measured examples/s over the mean of the
  /// alive nodes measured for `model` (so the measured nodes average 1); 1
  /// before its first task of `model`, and 1 within kSpeedNoiseBand of the
  /// mean. Bounded to [1/20, 20]. Sticky: while the measured ratio stays
  /// within kSpeedReplanFactor of the one planned with last for the node and
  /// model, and on the same side of the band give or take kSpeedBandMargin,
  /// that one counts (so asking twice gives the same answer).
  /// Goes over every alive node: to plan many nodes, take mean_throughput
  /// once and pass it.
  double planning_speed(const std::string& id, const std::string& model) const;
  /// The same with `mean` = mean_throughput(model): one lookup.
  double planning_speed(const std::string& id, const std::string& model, double mean) const;
  /// The mean examples/s of the alive nodes measured for `model`; 0 when none.
  double mean_throughput(const std::string& model) const;

  const NodeEntry* find(const std::string& id) const;
  /// Alive nodes in join order of their first registration.
  std::vector<const NodeEntry*> alive() const;
  std::vector<const NodeEntry*> all() const;
  std::size_t alive_count() const;

 private:
  Seconds timeout_;
  std::vector<std::string> order_;
  std::map<std::string, NodeEntry> nodes_;
};

/// Adds each node's usage between `from` and `to` (table clock) to the
/// report's node records: samples (times made relative to `from`), bytes sent
/// and received in that window, and the latest transfer rate. Nodes of the
/// table without a record get one. Counters that go down (a restarted node
/// process) count from zero again.
void add_node_usage(RunReport& report, const NodeTable& table, Seconds from, Seconds to);

/// Training task `id` of `tasks`, cancelled because its backup copy delivered
/// first (--backup-after, --task-deadline), ran at most demand / elapsed
/// examples per second, elapsed counted from `computing_at` (when its node
/// began computing it; kNever: from its start). That bound becomes its node's
/// measured throughput for `model`, so the next round plans the node slow at
/// once (its late update is not measured: the aggregator does not take it).
/// Does nothing for any other task. Both drivers call it on a release step.
void record_lost_straggler(NodeTable& table, const std::string& model, const TaskTracker& tasks,
                           std::int64_t id, Seconds computing_at);

}  // namespace troupe::runtime
