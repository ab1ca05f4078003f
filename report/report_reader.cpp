#include "report/report_reader.hpp"

#include "runtime/io/job_json.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/core/input_error.hpp"

namespace troupe::runtime {
namespace {

using nlohmann::json;

/// Reads typed values out of one JSON object, naming the key path in errors.
class Fields {
 public:
  Fields(const json& object, std::string path, const std::string& source)
      : object_(object), path_(std::move(path)), source_(source) {
    if (!object_.is_object()) fail(path_, "expected an object");
  }

  template <class T>
  void get(const char* key, T& out) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return;
    try {
      if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) throw std::invalid_argument("expected a string");
      } else if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) throw std::invalid_argument("expected true or false");
      } else if constexpr (std::is_arithmetic_v<T>) {
        if (!it->is_number()) throw std::invalid_argument("expected a number");
      }
      out = it->get<T>();
    } catch (const std::exception& e) {
      fail(path_ + "." + key, e.what());
    }
  }

  /// The member `key` when present and not null.
  const json* find(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  /// The array `key` (empty when missing); InputError when not an array.
  const json& array(const char* key) const {
    static const json kEmpty = json::array();
    const json* a = find(key);
    if (!a) return kEmpty;
    if (!a->is_array()) fail(path_ + "." + key, "expected an array");
    return *a;
  }

  [[noreturn]] void fail(const std::string& where, const std::string& why) const {
    throw InputError(source_, 0, "'" + where + "': " + why);
  }

  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }

 private:
  const json& object_;
  std::string path_;
  const std::string& source_;
};

TaskKind parse_kind(const std::string& s, const Fields& f) {
  if (s == "train") return TaskKind::train;
  if (s == "evaluate") return TaskKind::evaluate;
  f.fail(f.path() + ".kind", "unknown task kind '" + s + "'");
}

TaskState parse_state(const std::string& s, const Fields& f) {
  for (auto st : {TaskState::queued, TaskState::assigned, TaskState::running, TaskState::done,
                  TaskState::failed})
    if (s == to_string(st)) return st;
  f.fail(f.path() + ".state", "unknown task state '" + s + "'");
}

Task read_task(const Fields& f) {
  Task t;
  f.get("id", t.id);
  std::string kind = to_string(t.kind), state = to_string(t.state);
  f.get("kind", kind);
  f.get("state", state);
  t.kind = parse_kind(kind, f);
  t.state = parse_state(state, f);
  f.get("round", t.round);
  f.get("shard", t.shard);
  f.get("node", t.node);
  f.get("priority", t.priority);
  f.get("demand", t.demand);
  f.get("queued_s", t.queued_at);  // null (never) keeps kNever
  f.get("assigned_s", t.assigned_at);
  f.get("start_s", t.started_at);
  f.get("end_s", t.finished_at);
  f.get("samples", t.samples);
  f.get("loss", t.loss);
  f.get("error", t.error);
  f.get("reassigned_from", t.reassigned_from);  // null keeps -1
  f.get("backup_of", t.backup_of);              // null (or a report before it) keeps -1
  f.get("base_version", t.base_version);
  f.get("version", t.version);
  f.get("staleness", t.staleness);
  return t;
}

NodeEvaluation read_node_evaluation(const Fields& f) {
  NodeEvaluation e;
  f.get("node", e.node);
  f.get("round", e.round);
  f.get("examples", e.examples);
  f.get("accuracy", e.accuracy);
  f.get("precision", e.precision);
  f.get("recall", e.recall);
  f.get("f1", e.f1);
  f.get("loss", e.loss);
  f.get("error", e.error);
  return e;
}

RoundRecord read_round(const Fields& f) {
  RoundRecord r;
  f.get("round", r.round);
  f.get("version", r.version);
  f.get("accuracy", r.accuracy);
  f.get("precision", r.precision);
  f.get("recall", r.recall);
  f.get("f1", r.f1);
  f.get("loss", r.loss);
  f.get("train_loss", r.train_loss);
  f.get("seconds", r.seconds);
  f.get("updates", r.updates);
  f.get("failed", r.failed);
  f.get("late", r.late);
  f.get("dropped", r.dropped);
  f.get("mean_staleness", r.mean_staleness);
  f.get("backups", r.backups);
  f.get("backups_won", r.backups_won);
  f.get("lost_shards", r.lost_shards);
  if (const json* sec = f.find("secure_aggregation")) {
    const Fields g(*sec, f.path() + ".secure_aggregation", f.source());
    g.get("participants", r.secure.participants);
    g.get("included", r.secure.included);
    g.get("dropouts_recovered", r.secure.recovered);
    g.get("excluded", r.secure.excluded);
    g.get("sums", r.secure.sums);
  }
  if (const json* fed = f.find("federated")) {
    const Fields g(*fed, f.path() + ".federated", f.source());
    auto& out = r.federated;
    g.get("accuracy", out.accuracy);
    g.get("precision", out.precision);
    g.get("recall", out.recall);
    g.get("f1", out.f1);
    g.get("loss", out.loss);
    g.get("examples", out.examples);
    g.get("nodes", out.nodes);
    const json& per_node = g.array("per_node");
    for (std::size_t i = 0; i < per_node.size(); ++i)
      out.per_node.push_back(read_node_evaluation(
          Fields(per_node[i], g.path() + ".per_node[" + std::to_string(i) + "]", f.source())));
  }
  return r;
}

void read_final(const Fields& f, RunReport& r) {
  auto& m = r.final_metrics;
  f.get("accuracy", m.accuracy);
  f.get("precision", m.precision);
  f.get("recall", m.recall);
  f.get("f1", m.f1);
  f.get("loss", m.loss);
  f.get("model_fingerprint", r.model_fingerprint);
  const json& rows = f.array("confusion");
  const auto n = rows.size();
  m.num_classes = static_cast<int>(n);
  m.confusion.clear();
  for (std::size_t t = 0; t < n; ++t) {
    const std::string where = f.path() + ".confusion[" + std::to_string(t) + "]";
    if (!rows[t].is_array() || rows[t].size() != n)
      f.fail(where, "expected a row of " + std::to_string(n) + " counts");
    for (const auto& c : rows[t]) {
      if (!c.is_number_integer()) f.fail(where, "expected integer counts");
      m.confusion.push_back(c.get<std::int64_t>());
    }
  }
}

}  // namespace

RunReport report_from_json(const std::string& text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw InputError(source, 0, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw InputError(source, 0, "expected a JSON object (a troupe run report)");
  if (!doc.contains("rounds") && !doc.contains("tasks") && !doc.contains("final"))
    throw InputError(source, 0, "not a troupe run report (none of the keys rounds, tasks, final)");
  const Fields top(doc, "report", source);
  RunReport r;
  top.get("job_id", r.job_id);
  top.get("status", r.status);
  top.get("error", r.error);
  top.get("policy", r.policy);
  top.get("strategy", r.strategy);
  top.get("wall_s", r.wall_s);
  top.get("mode", r.mode);
  top.get("resumed_from_round", r.resumed_from_round);
  top.get("test_size", r.test_size);
  if (const json* c = top.find("config")) {
    try {
      r.config = job_from_json(*c);
    } catch (const std::exception& e) {
      throw InputError(source, 0, e.what());
    }
  }
  top.get("model_sha256", r.config.train.model_sha256);
  if (const json* vs = top.find("versions")) {
    if (!vs->is_array()) throw InputError(source, 0, "'versions': expected an array");
    for (const auto& v : *vs) {
      VersionRecord rec;
      try {
        rec.version = v.at("version").get<std::int64_t>();
        rec.tasks = v.at("tasks").get<std::vector<std::int64_t>>();
      } catch (const json::exception& e) {
        throw InputError(source, 0, std::string("'versions': ") + e.what());
      }
      r.versions.push_back(std::move(rec));
    }
  }
  const json& tasks = top.array("tasks");
  for (std::size_t i = 0; i < tasks.size(); ++i)
    r.tasks.push_back(read_task(Fields(tasks[i], "tasks[" + std::to_string(i) + "]", source)));
  const json& rounds = top.array("rounds");
  for (std::size_t i = 0; i < rounds.size(); ++i)
    r.rounds.push_back(read_round(Fields(rounds[i], "rounds[" + std::to_string(i) + "]", source)));
  if (const json* fin = top.find("final")) read_final(Fields(*fin, "final", source), r);
  const json& nodes = top.array("nodes");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Fields f(nodes[i], "nodes[" + std::to_string(i) + "]", source);
    NodeRecord n;
    f.get("id", n.id);
    f.get("tasks", n.tasks);
    f.get("busy_s", n.busy_s);
    f.get("utilisation", n.utilisation);
    r.nodes.push_back(std::move(n));
  }
  if (const json* e = top.find("efficiency")) {
    const Fields f(*e, "efficiency", source);
    f.get("makespan_s", r.efficiency.makespan_s);
    f.get("mean_completion_s", r.efficiency.mean_completion_s);
    f.get("p95_completion_s", r.efficiency.p95_completion_s);
    f.get("utilisation", r.efficiency.utilisation);
  }
  if (const json* j = top.find("job")) {
    const Fields f(*j, "job", source);
    f.get("priority", r.job.priority);
    f.get("deadline_s", r.job.deadline_s);
    f.get("waiting_s", r.job.waiting_s);
    f.get("completion_s", r.job.completion_s);
    f.get("preempted", r.job.preempted);
    f.get("paused_s", r.job.paused_s);
    f.get("tasks_yielded", r.job.tasks_yielded);
    f.get("placed_jointly", r.job.placed_jointly);
    f.get("placed_with_others", r.job.placed_with_others);
    bool met = false;
    if (const json* m = f.find("deadline_met"); m && !m->is_null()) {
      f.get("deadline_met", met);
      r.job.deadline_met = met ? 1 : 0;
    }
  }
  if (const json* c = top.find("checkpoints")) {
    const Fields f(*c, "checkpoints", source);
    f.get("written", r.checkpoints.written);
    f.get("failed", r.checkpoints.failed);
    f.get("last_written_round", r.checkpoints.last_written_round);
    f.get("last_error", r.checkpoints.last_error);
  }
  if (const json* p = top.find("privacy")) {
    const Fields f(*p, "privacy", source);
    f.get("mode", r.privacy.mode);
    f.get("noise_multiplier", r.privacy.noise_multiplier);
    f.get("clip_norm", r.privacy.clip_norm);
    f.get("clip_norms", r.privacy.clip_norms);
    f.get("delta", r.privacy.delta);
    f.get("target_epsilon", r.privacy.target_epsilon);
    f.get("sampling_rate", r.privacy.sampling_rate);
    f.get("steps_per_round", r.privacy.steps_per_round);
    f.get("accountant", r.privacy.accountant);
    f.get("epsilon", r.privacy.epsilon);
    f.get("stopped_by_budget", r.privacy.stopped_by_budget);
  }
  if (const json* nd = top.find("node_data")) {
    if (!nd->is_array()) throw InputError(source, 0, "node_data: expected an array");
    for (const auto& item : *nd) {
      const Fields f(item, "node_data", source);
      runtime::NodeDataRecord d;
      f.get("node", d.node);
      f.get("shard", d.shard);
      f.get("examples", d.examples);
      f.get("label_histogram", d.label_histogram);
      f.get("source", d.source);
      f.get("error", d.error);
      r.node_data.push_back(std::move(d));
    }
  }
  if (const json* c = top.find("clock")) {
    const Fields f(*c, "clock", source);
    f.get("kind", r.clock.kind);
    f.get("device_profile", r.clock.device_profile);
    f.get("real_s", r.clock.real_s);
    for (const auto& item : f.array("devices")) {
      const Fields d(item, "clock.devices", source);
      runtime::VirtualDevice v;
      d.get("node", v.node);
      d.get("examples_per_s", v.examples_per_s);
      d.get("bandwidth_mbps", v.bandwidth_mbps);
      d.get("latency_ms", v.latency_ms);
      d.get("straggler", v.straggler);
      r.clock.devices.push_back(std::move(v));
    }
  }
  if (const json* p = top.find("provenance")) {
    const Fields f(*p, "provenance", source);
    f.get("troupe_version", r.provenance.troupe_version);
    f.get("started_utc", r.provenance.started_utc);
    f.get("command_line", r.provenance.command_line);
    f.get("job_file", r.provenance.job_file);
    for (const auto& host : f.array("hosts")) {
      if (!host.is_string()) f.fail("provenance.hosts", "expected strings");
      r.provenance.hosts.push_back(host.get<std::string>());
    }
  }
  return r;
}

RunReport read_report_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(path, 0, "cannot read the file");
  return report_from_json(text.str(), path);
}

}  // namespace troupe::runtime
