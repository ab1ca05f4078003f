#include "runtime/simulation/workload_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "runtime/core/input_error.hpp"

namespace troupe::runtime {
namespace {

using Json = nlohmann::ordered_json;

/// One record: field name to text (CSV) with the line it came from.
struct Record {
  std::map<std::string, std::string> fields;
  int line = 0;
};

/// Reads one record's fields, checked, for both formats.
class FieldReader {
 public:
  FieldReader(const Record& r, const std::string& file) : r_(r), file_(file) {}

  [[noreturn]] void fail(const std::string& why) const { throw InputError(file_, r_.line, why); }

  bool has(const std::string& key) const {
    const auto it = r_.fields.find(key);
    return it != r_.fields.end() && !it->second.empty();
  }
  std::string text(const std::string& key) const {
    if (!has(key)) fail("missing '" + key + "'");
    return r_.fields.at(key);
  }
  double number(const std::string& key, double fallback, bool may_be_negative = false) const {
    if (!has(key)) return fallback;
    const std::string& s = r_.fields.at(key);
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
      fail("'" + key + "' is not a number: '" + s + "'");
    if (!may_be_negative && v < 0) fail("'" + key + "' must not be negative: " + s);
    return v;
  }

 private:
  const Record& r_;
  const std::string& file_;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream s(line);
  for (std::string cell; std::getline(s, cell, ',');) cells.push_back(trim(cell));
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

std::vector<Record> read_csv(const std::string& text, const std::string& name,
                             const std::set<std::string>& known) {
  std::istringstream in(text);
  std::vector<std::string> header;
  std::vector<Record> out;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto cells = split_csv(t);
    if (header.empty()) {
      for (const auto& c : cells) {
        if (!known.count(c)) throw InputError(name, line_no, "unknown column '" + c + "'");
        if (std::count(header.begin(), header.end(), c))
          throw InputError(name, line_no, "column '" + c + "' twice");
        header.push_back(c);
      }
      if (!known.count("id") || !std::count(header.begin(), header.end(), "id"))
        throw InputError(name, line_no, "the header needs an 'id' column");
      continue;
    }
    if (cells.size() != header.size())
      throw InputError(name, line_no,
                       "expected " + std::to_string(header.size()) + " fields, got " +
                           std::to_string(cells.size()));
    Record r;
    r.line = line_no;
    for (std::size_t c = 0; c < cells.size(); ++c) r.fields[header[c]] = cells[c];
    out.push_back(std::move(r));
  }
  if (header.empty()) throw InputError(name, line_no, "no header row");
  return out;
}

/// Line of every '{' of `text` outside strings, in document order.
std::vector<int> object_lines(const std::string& text) {
  std::vector<int> lines;
  int line = 1;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (c == '\n') ++line;
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      lines.push_back(line);
    }
  }
  return lines;
}

/// Parsed JSON plus the line where each object starts (in document order).
struct JsonDoc {
  Json root;
  std::map<const Json*, int> line_of;
};

JsonDoc parse_json(const std::string& text, const std::string& name) {
  JsonDoc doc;
  try {
    doc.root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    const auto upto = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + upto, '\n'));
    std::string why = e.what();
    if (const auto p = why.find("syntax error"); p != std::string::npos) why = why.substr(p);
    throw InputError(name, line, "invalid JSON: " + why);
  }
  const auto lines = object_lines(text);
  std::size_t next = 0;
  std::function<void(const Json&)> walk = [&](const Json& j) {
    if (j.is_object()) {
      doc.line_of[&j] = next < lines.size() ? lines[next] : 0;
      ++next;
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc.root);
  return doc;
}

/// The records of a JSON array of objects (values as text, null as absent).
std::vector<Record> json_records(const JsonDoc& doc, const Json& array, const std::string& name,
                                 const std::string& what, const std::set<std::string>& known) {
  const int array_line = 1;
  if (!array.is_array()) throw InputError(name, array_line, "'" + what + "' must be an array");
  std::vector<Record> out;
  for (const auto& item : array) {
    Record r;
    const auto it = doc.line_of.find(&item);
    r.line = it != doc.line_of.end() ? it->second : 0;
    if (!item.is_object()) throw InputError(name, r.line, what + ": every entry must be an object");
    for (const auto& [k, v] : item.items()) {
      if (!known.count(k)) throw InputError(name, r.line, "unknown key '" + k + "'");
      if (v.is_null()) continue;
      if (v.is_string())
        r.fields[k] = v.get<std::string>();
      else if (v.is_number() || v.is_boolean())
        r.fields[k] = v.dump();
      else
        throw InputError(name, r.line, "'" + k + "' must be a number or text");
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool looks_like_json(const std::string& text) {
  const auto p = text.find_first_not_of(" \t\r\n");
  return p != std::string::npos && (text[p] == '[' || text[p] == '{');
}

const std::set<std::string> kTaskKeys = {"id",         "priority", "cpu",      "memory",
                                         "gpu_memory", "work",     "deadline", "arrival"};
const std::set<std::string> kNodeKeys = {"id", "cpu", "memory", "gpu_memory", "speed", "state"};

std::vector<WorkloadTask> to_tasks(const std::vector<Record>& records, const std::string& name) {
  std::vector<WorkloadTask> out;
  std::set<std::int64_t> seen;
  for (const auto& r : records) {
    FieldReader f(r, name);
    const double id = f.number("id", 0, true);
    if (!f.has("id")) f.fail("missing 'id'");
    if (id != std::floor(id) || std::abs(id) > 9e15) f.fail("'id' must be an integer");
    WorkloadTask t;
    t.task.task_id = static_cast<std::int64_t>(id);
    if (!seen.insert(t.task.task_id).second) f.fail("task id " + f.text("id") + " appears twice");
    t.task.priority = f.number("priority", 1.0, true);
    t.task.demand = {f.number("cpu", 0.0), f.number("memory", 0.0), f.number("gpu_memory", 0.0)};
    t.task.work = f.number("work", 1.0);
    if (f.has("deadline")) t.task.deadline = f.number("deadline", 0.0);
    t.arrival = f.number("arrival", 0.0);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<NodeCapacity> to_nodes(const std::vector<Record>& records, const std::string& name) {
  std::vector<NodeCapacity> out;
  std::set<std::string> seen;
  for (const auto& r : records) {
    FieldReader f(r, name);
    NodeCapacity n;
    n.id = f.text("id");
    if (!seen.insert(n.id).second) f.fail("node id '" + n.id + "' appears twice");
    n.capacity = {f.number("cpu", 0.0), f.number("memory", 0.0), f.number("gpu_memory", 0.0)};
    n.speed = f.number("speed", 1.0);
    if (n.speed <= 0) f.fail("'speed' must be positive");
    const std::string state = f.has("state") ? f.text("state") : "up";
    if (state == "up")
      n.state = NodeState::up;
    else if (state == "draining")
      n.state = NodeState::draining;
    else if (state == "down")
      n.state = NodeState::down;
    else
      f.fail("'state' must be up, draining or down, got '" + state + "'");
    out.push_back(std::move(n));
  }
  return out;
}

/// The array under `key` when the root is an object, else the root itself.
const Json& records_root(const JsonDoc& doc, const std::string& key, const std::string& name) {
  if (doc.root.is_object()) {
    if (!doc.root.contains(key)) throw InputError(name, 1, "missing '" + key + "' array");
    return doc.root.at(key);
  }
  return doc.root;
}

}  // namespace

std::vector<WorkloadTask> parse_tasks(const std::string& text, const std::string& name) {
  if (!looks_like_json(text)) return to_tasks(read_csv(text, name, kTaskKeys), name);
  const auto doc = parse_json(text, name);
  return to_tasks(json_records(doc, records_root(doc, "tasks", name), name, "tasks", kTaskKeys),
                  name);
}

std::vector<NodeCapacity> parse_nodes(const std::string& text, const std::string& name) {
  if (!looks_like_json(text)) return to_nodes(read_csv(text, name, kNodeKeys), name);
  const auto doc = parse_json(text, name);
  return to_nodes(json_records(doc, records_root(doc, "nodes", name), name, "nodes", kNodeKeys),
                  name);
}

Workload parse_workload(const std::string& text, const std::string& name) {
  if (!looks_like_json(text)) throw InputError(name, 1, "a workload is a JSON object");
  const auto doc = parse_json(text, name);
  if (!doc.root.is_object()) throw InputError(name, 1, "a workload is a JSON object");
  for (const auto& [k, v] : doc.root.items())
    if (k != "tasks" && k != "nodes" && k != "node_events")
      throw InputError(name, 1, "unknown key '" + k + "'");
  Workload w;
  w.tasks =
      to_tasks(json_records(doc, records_root(doc, "tasks", name), name, "tasks", kTaskKeys), name);
  w.nodes =
      to_nodes(json_records(doc, records_root(doc, "nodes", name), name, "nodes", kNodeKeys), name);
  if (doc.root.contains("node_events")) {
    std::set<std::string> ids;
    for (const auto& n : w.nodes) ids.insert(n.id);
    for (const auto& r : json_records(doc, doc.root.at("node_events"), name, "node_events",
                                      {"time", "node", "up"})) {
      FieldReader f(r, name);
      NodeEvent e;
      e.time = f.number("time", 0.0);
      e.node = f.text("node");
      if (!ids.count(e.node)) f.fail("unknown node '" + e.node + "'");
      const std::string up = f.has("up") ? f.text("up") : "false";
      if (up != "true" && up != "false") f.fail("'up' must be true or false");
      e.up = up == "true";
      w.node_events.push_back(e);
    }
  }
  return w;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace troupe::runtime
