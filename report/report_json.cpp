#include "report/report_json.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/io/job_json.hpp"

namespace troupe::runtime {
namespace {

using nlohmann::json;

json config_json(const JobSpec& j) {
  return job_to_json(j);
}

json seconds_or_null(Seconds s) {
  return s < 0 ? json(nullptr) : json(s);
}

json confusion_json(const models::ClassificationMetrics& m) {
  json rows = json::array();
  for (int t = 0; t < m.num_classes; ++t) {
    json row = json::array();
    for (int p = 0; p < m.num_classes; ++p) row.push_back(m.at(t, p));
    rows.push_back(std::move(row));
  }
  return rows;
}

/// One node's federated evaluation (the report's rounds[].federated.nodes and node_metrics).
json node_evaluation_json(const NodeEvaluation& e) {
  json out{{"node", e.node},
           {"round", e.round},
           {"examples", e.examples},
           {"accuracy", e.accuracy},
           {"precision", e.precision},
           {"recall", e.recall},
           {"f1", e.f1},
           {"loss", e.loss}};
  if (!e.error.empty()) out["error"] = e.error;
  return out;
}

/// A round's federated evaluation: the weighted metrics, then every node asked.
json federated_json(const FederatedRecord& f) {
  json per_node = json::array();
  for (const auto& e : f.per_node) per_node.push_back(node_evaluation_json(e));
  return {{"accuracy", f.accuracy}, {"precision", f.precision},
          {"recall", f.recall},     {"f1", f.f1},
          {"loss", f.loss},         {"examples", f.examples},
          {"nodes", f.nodes},       {"per_node", per_node}};
}

json provenance_json(const Provenance& p) {
  return {{"troupe_version", p.troupe_version},
          {"started_utc", p.started_utc},
          {"hosts", p.hosts},
          {"command_line", p.command_line},
          {"job_file", p.job_file}};
}

/// The report's "privacy" object (docs/privacy.md).
/// `secure`: the job summed its updates under --secure-aggregation.
json privacy_json(const PrivacyRecord& p, bool secure) {
  json out{{"mode", p.mode},
           {"noise_multiplier", p.noise_multiplier},
           {"clip_norm", p.clip_norm},
           {"delta", p.delta},
           {"target_epsilon", p.target_epsilon},
           {"sampling_rate", p.sampling_rate},
           {"steps_per_round", p.steps_per_round},
           {"accountant", p.accountant},
           {"epsilon", p.epsilon},
           {"final_epsilon", p.final_epsilon()},
           {"stopped_by_budget", p.stopped_by_budget}};
  if (!p.clip_norms.empty()) out["clip_norms"] = p.clip_norms;
  if (secure) out["secure_aggregation"] = true;
  return out;
}

}  // namespace

std::string to_json(const RunReport& r) {
  json tasks = json::array();
  for (const auto& t : r.tasks) {
    tasks.push_back({{"id", t.id},
                     {"kind", to_string(t.kind)},
                     {"round", t.round},
                     {"shard", t.shard},
                     {"node", t.node},
                     {"priority", t.priority},
                     {"demand", t.demand},
                     {"state", to_string(t.state)},
                     {"queued_s", seconds_or_null(t.queued_at)},
                     {"assigned_s", seconds_or_null(t.assigned_at)},
                     {"start_s", seconds_or_null(t.started_at)},
                     {"end_s", seconds_or_null(t.finished_at)},
                     {"samples", t.samples},
                     {"loss", t.loss},
                     {"error", t.error},
                     {"reassigned_from", t.reassigned_from < 0 ? nlohmann::json(nullptr)
                                                               : nlohmann::json(t.reassigned_from)},
                     {"backup_of", t.backup_of < 0 ? json(nullptr) : json(t.backup_of)},
                     {"base_version", t.base_version < 0 ? json(nullptr) : json(t.base_version)},
                     {"version", t.version < 0 ? json(nullptr) : json(t.version)},
                     {"staleness", t.staleness < 0 ? json(nullptr) : json(t.staleness)}});
  }
  json rounds = json::array();
  for (const auto& rr : r.rounds) {
    rounds.push_back({{"round", rr.round},
                      {"version", rr.version},
                      {"accuracy", rr.accuracy},
                      {"precision", rr.precision},
                      {"recall", rr.recall},
                      {"f1", rr.f1},
                      {"loss", rr.loss},
                      {"train_loss", rr.train_loss},
                      {"seconds", rr.seconds},
                      {"updates", rr.updates},
                      {"failed", rr.failed},
                      {"late", rr.late},
                      {"dropped", rr.dropped},
                      {"mean_staleness", rr.mean_staleness},
                      {"backups", rr.backups},
                      {"backups_won", rr.backups_won},
                      {"degraded", rr.degraded()},
                      {"lost_shards", rr.lost_shards}});
    // Only rounds with a federated evaluation carry it (--eval federated|both).
    if (rr.federated.present()) rounds.back()["federated"] = federated_json(rr.federated);
    // Only --secure-aggregation jobs carry it, so other reports stay as they were.
    if (r.config.privacy.secure_aggregation)
      rounds.back()["secure_aggregation"] = {{"participants", rr.secure.participants},
                                             {"included", rr.secure.included},
                                             {"dropouts_recovered", rr.secure.recovered},
                                             {"excluded", rr.secure.excluded},
                                             {"sums", rr.secure.sums}};
  }
  std::vector<FederatedRecord> federated;
  for (const auto& rr : r.rounds) federated.push_back(rr.federated);
  json node_metrics = json::array();
  for (const auto& e : latest_node_evaluations(federated))
    node_metrics.push_back(node_evaluation_json(e));
  json versions = json::array();
  for (const auto& v : r.versions) versions.push_back({{"version", v.version}, {"tasks", v.tasks}});
  json nodes = json::array();
  for (const auto& n : r.nodes) {
    json usage = json::array();
    for (const auto& u : n.usage)
      usage.push_back({{"t", u.t},
                       {"cpu", u.cpu},
                       {"rss", u.rss},
                       {"memory_available", u.memory_available},
                       {"disk_free", u.disk_free},
                       {"gpu", u.gpu},
                       {"gpu_memory_used", u.gpu_memory_used},
                       {"bytes_sent", u.bytes_sent},
                       {"bytes_received", u.bytes_received}});
    nodes.push_back({{"id", n.id},
                     {"tasks", n.tasks},
                     {"busy_s", n.busy_s},
                     {"utilisation", n.utilisation},
                     {"bytes_sent", n.bytes_sent},
                     {"bytes_received", n.bytes_received},
                     {"transfer_rate", n.transfer_rate},
                     {"usage", usage}});
  }
  const auto& m = r.final_metrics;
  json out{
      {"job_id", r.job_id},
      {"status", r.status},
      {"error", r.error},
      {"policy", r.policy},
      {"strategy", r.strategy},
      {"mode", r.mode},
      {"resumed_from_round", r.resumed_from_round},
      {"job",
       {{"priority", r.job.priority},
        {"deadline_s", r.job.deadline_s},
        {"waiting_s", r.job.waiting_s},
        {"completion_s", r.job.completion_s},
        {"deadline_met", r.job.deadline_met < 0 ? json(nullptr) : json(r.job.deadline_met == 1)},
        {"preempted", r.job.preempted},
        {"paused_s", r.job.paused_s},
        {"tasks_yielded", r.job.tasks_yielded},
        {"placed_jointly", r.job.placed_jointly},
        {"placed_with_others", r.job.placed_with_others}}},
      {"config", config_json(r.config)},
      // The script's bytes stay out of the report; its hash names them.
      {"model_sha256", r.config.train.model_sha256},
      {"tasks", tasks},
      {"rounds", rounds},
      {"versions", versions},
      {"final",
       {{"accuracy", m.accuracy},
        {"precision", m.precision},
        {"recall", m.recall},
        {"f1", m.f1},
        {"loss", m.loss},
        {"confusion", confusion_json(m)},
        {"model_fingerprint", r.model_fingerprint}}},
      {"nodes", nodes},
      {"efficiency",
       {{"makespan_s", r.efficiency.makespan_s},
        {"mean_completion_s", r.efficiency.mean_completion_s},
        {"p95_completion_s", r.efficiency.p95_completion_s},
        {"utilisation", r.efficiency.utilisation}}},
      {"wall_s", r.wall_s},
      {"checkpoints",
       {{"written", r.checkpoints.written},
        {"failed", r.checkpoints.failed},
        {"last_written_round", r.checkpoints.last_written_round},
        {"last_error", r.checkpoints.last_error}}},
      {"test_size", r.test_size},
      {"node_metrics", node_metrics},
      {"provenance", provenance_json(r.provenance)}};
  // Only jobs with --dp have it, so other reports stay as they were.
  if (r.privacy.enabled())
    out["privacy"] = privacy_json(r.privacy, r.config.privacy.secure_aggregation);
  // Only runs on the virtual clock have it, so other reports stay as they were.
  if (r.clock.is_virtual()) {
    json devices = json::array();
    for (const auto& d : r.clock.devices)
      devices.push_back({{"node", d.node},
                         {"examples_per_s", d.examples_per_s},
                         {"bandwidth_mbps", d.bandwidth_mbps},
                         {"latency_ms", d.latency_ms},
                         {"straggler", d.straggler}});
    out["clock"] = {{"kind", r.clock.kind},
                    {"device_profile", r.clock.device_profile},
                    {"real_s", r.clock.real_s},
                    {"devices", std::move(devices)}};
  }
  // Only local-data runs have it, so other reports stay as they were.
  if (!r.node_data.empty()) {
    json data = json::array();
    for (const auto& d : r.node_data)
      data.push_back({{"node", d.node},
                      {"shard", d.shard},
                      {"examples", d.examples},
                      {"label_histogram", d.label_histogram},
                      {"source", d.source},
                      {"error", d.error}});
    out["node_data"] = std::move(data);
  }
  return out.dump(2);
}

void write_json(const RunReport& report, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + path + "'");
    out << to_json(report) << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write '" + path + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace troupe::runtime
