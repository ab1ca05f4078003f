#include "runtime/scheduling/local_data_plan.hpp"

#include <algorithm>
#include <sstream>

namespace troupe::runtime {

int LocalDataPlan::pinned_shard(const std::string& id) const {
  const auto it = std::find(nodes.begin(), nodes.end(), id);
  return it == nodes.end() ? kTrainsNothing : static_cast<int>(it - nodes.begin());
}

bool any_local_data(const std::vector<const NodeEntry*>& nodes) {
  return std::any_of(nodes.begin(), nodes.end(),
                     [](const NodeEntry* n) { return n->data.local(); });
}

std::string local_data_conflict(const JobSpec& job) {
  static const std::string where =
      ": the nodes alive at set-up hold their own data (troupe node --data), ";
  static const std::string fix =
      "; drop the option, or run the job on nodes without data of their own";
  const auto& data = job.data;
  const std::string why = where + "and each trains on all of its own examples" + fix;
  if (data.partition != Partition::iid)
    return "--partition " + to_string(data.partition) + " does not apply" + why;
  if (data.examples_per_node > 0)
    return "--examples-per-node " + std::to_string(data.examples_per_node) + " does not apply" +
           why;
  for (const auto& [flag, value] :
       {std::pair<const char*, double>{"--backup-after", job.sync.backup_after},
        {"--task-deadline", job.sync.task_deadline_s}}) {
    if (!(value > 0.0)) continue;
    std::ostringstream text;
    text << value;
    return std::string(flag) + " " + text.str() + " does not apply" + where +
           "so no other node can train a straggler's shard" + fix;
  }
  return {};
}

namespace {

NodeDataRecord record_of(const NodeEntry& n, int shard, std::string error) {
  NodeDataRecord r;
  r.node = n.id;
  r.shard = shard;
  r.examples = n.data.local_examples;
  r.label_histogram = n.data.label_histogram;
  r.source = n.data.source;
  r.error = std::move(error);
  return r;
}

}  // namespace

LocalDataPlan plan_local_data(const std::vector<const NodeEntry*>& nodes,
                              const std::set<std::string>& ready,
                              const std::map<std::string, std::string>& failed) {
  LocalDataPlan plan;
  for (const auto* n : nodes) {
    if (!n->data.local() || !ready.count(n->id)) continue;
    plan.records.push_back(record_of(*n, static_cast<int>(plan.nodes.size()), ""));
    plan.nodes.push_back(n->id);
    plan.shard_sizes.push_back(n->data.local_examples);
  }
  for (const auto* n : nodes)
    if (const auto it = failed.find(n->id); n->data.local() && it != failed.end())
      plan.records.push_back(record_of(*n, -1, it->second));
  return plan;
}

}  // namespace troupe::runtime
