#include "cli/status_json.hpp"

namespace troupe::cli {

nlohmann::json status_json(const actors::ClusterStatus& st, const std::string& scheduler) {
  nlohmann::json out;
  out["scheduler"] = scheduler;
  out["uptime_s"] = st.uptime_s;
  out["aggregator"] = st.aggregator;
  out["jobs_done"] = st.jobs_done;
  out["queued"] = st.queued;
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : st.nodes) {
    nlohmann::json node;
    node["name"] = n.id;
    node["state"] = n.state;
    node["alive"] = n.state == "alive";
    node["heartbeat_age_s"] = n.last_seen_s;
    node["incarnation"] = n.incarnation;
    node["lost_reason"] = n.lost_reason;
    node["speed"] = n.speed_given ? nlohmann::json(n.speed) : nlohmann::json();
    nlohmann::json measured = nlohmann::json::object();
    for (const auto& [model, t] : n.throughput)
      measured[model] = {{"examples_per_s", t.examples_per_s}, {"tasks", t.tasks}};
    node["throughput"] = std::move(measured);
    node["task"] = n.current_task >= 0 ? nlohmann::json(n.current_task) : nlohmann::json();
    node["job"] = n.job.empty() ? nlohmann::json() : nlohmann::json(n.job);
    node["jobs"] = n.jobs;
    node["resources"] = {{"cores", n.resources.cores},
                         {"memory_total", n.resources.memory_total},
                         {"memory_available", n.resources.memory_available},
                         {"gpus", n.resources.gpus.size()}};
    node["usage"] = {{"cpu_utilisation", n.usage.cpu_utilisation},
                     {"rss", n.usage.rss},
                     {"memory_available", n.usage.memory_available},
                     {"bytes_sent", n.usage.bytes_sent},
                     {"bytes_received", n.usage.bytes_received}};
    node["data"] = {{"shard", n.data.shard},
                    {"shards", n.data.shards},
                    {"local_examples", n.data.local_examples}};
    nodes.push_back(std::move(node));
  }
  out["nodes"] = std::move(nodes);
  out["running"] = st.running;
  if (st.job.empty()) {
    out["job"] = nullptr;
  } else {
    nlohmann::json job{{"name", st.job},
                       {"round", st.round},
                       {"rounds", st.rounds},
                       {"id", st.job_id},
                       {"priority", st.priority},
                       {"deadline_s", st.deadline_s},
                       {"waiting_s", st.waiting_s},
                       {"elapsed_s", st.elapsed_s},
                       {"preempted", st.preempted},
                       {"yielding", st.yielding}};
    if (!st.progress.empty()) {
      job["accuracy"] = st.progress.back().accuracy;
      job["loss"] = st.progress.back().loss;
    }
    out["job"] = std::move(job);
  }
  return out;
}

}  // namespace troupe::cli
