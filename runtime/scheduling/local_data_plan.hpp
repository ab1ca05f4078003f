#pragma once
/// \file
/// A local-data job: when the nodes alive at set-up hold their own examples
/// (`troupe node --data`), the job trains each of them on its own data. Shard
/// i is the i-th such node that was set up, in join order, pinned to it; its
/// size is the count the node registered, which is what FedAvg weighs its
/// updates by and what the aggregator refuses claims above. Nodes without
/// data of their own train nothing in such a job (they may evaluate). Pure.

#include <climits>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/scheduling/node_table.hpp"

namespace troupe::runtime {

/// The pinned shard of a node that trains nothing: beyond every shard, so no
/// training task goes to it while evaluation still may.
inline constexpr int kTrainsNothing = INT_MAX;

struct LocalDataPlan {
  std::vector<std::string> nodes;         ///< shard i holds nodes[i]'s examples
  std::vector<std::int64_t> shard_sizes;  ///< the counts they registered
  std::vector<NodeDataRecord> records;    ///< for the report, in shard order

  bool empty() const { return nodes.empty(); }
  /// The shard to pin node `id` to: its own, or kTrainsNothing.
  int pinned_shard(const std::string& id) const;
};

/// True when any of `nodes` holds its own examples: the job is a local-data job.
bool any_local_data(const std::vector<const NodeEntry*>& nodes);

/// Empty when `job` may run as a local-data job, else why not: a split
/// option (--partition other than iid, --examples-per-node) would be ignored
/// there, because every node trains on all of its own examples, and
/// --backup-after would start no backup, because no other node holds a
/// node's shard; the job is refused rather than run otherwise than asked.
std::string local_data_conflict(const JobSpec& job);

/// The plan over `nodes` (in join order) that are in `ready` (set up for the
/// job). Nodes with their own data in `failed` (node -> why its set-up
/// failed) get a record with shard -1 and the reason, after the others.
LocalDataPlan plan_local_data(const std::vector<const NodeEntry*>& nodes,
                              const std::set<std::string>& ready,
                              const std::map<std::string, std::string>& failed = {});

}  // namespace troupe::runtime
