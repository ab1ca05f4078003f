#pragma once
// troupe's own processes on loopback, shared by the cluster tests: a scheduler
// on a free port, `troupe status` and what it lists, and a run's JSON report.
// The including target defines TROUPE_BINARY (the troupe executable).

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process_util.hpp"
#include "test_util.hpp"

namespace troupe::test {

inline const std::string kTroupe = TROUPE_BINARY;

/// `troupe scheduler --listen 127.0.0.1:0` plus `extra` options; it writes the
/// port it got to DIR/port and logs to DIR/scheduler.log.
class SchedulerProcess {
 public:
  explicit SchedulerProcess(const TempDir& dir, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"scheduler", "--listen", "127.0.0.1:0", "--port-file",
                                  dir.file("port")};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(kTroupe, args, dir.file("scheduler.log"));
    port_ = read_port_file(dir.file("port"), std::chrono::seconds(20));
  }
  /// The port it listens on; 0 when it did not listen within 20 s.
  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  Process& process() { return *process_; }
  Process* operator->() { return process_.get(); }

 private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

/// The output of `troupe status` against `endpoint` with `extra` options (an
/// error message when it cannot answer); logged to DIR/status.log.
inline std::string troupe_status(const TempDir& dir, const std::string& endpoint,
                                 const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"status", "--scheduler", endpoint};
  args.insert(args.end(), extra.begin(), extra.end());
  Process status(kTroupe, args, dir.file("status.log"));
  status.wait_exit(std::chrono::seconds(15));
  return status.output();
}

/// `troupe status --json` against `endpoint` with `extra` options, parsed; an
/// empty object when it cannot answer (its output is in DIR/status-json.log).
inline nlohmann::json troupe_status_json(const TempDir& dir, const std::string& endpoint,
                                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"status", "--json", "--scheduler", endpoint};
  args.insert(args.end(), extra.begin(), extra.end());
  Process status(kTroupe, args, dir.file("status-json.log"));
  status.wait_exit(std::chrono::seconds(15));
  const auto out = status.output();
  const auto start = out.find('{');
  if (start == std::string::npos) return nlohmann::json::object();
  return nlohmann::json::parse(out.substr(start), nullptr, /*allow_exceptions=*/false);
}

/// The table's text is not JSON: it would convert to a JSON string and count 0.
int alive_nodes(const std::string& status) = delete;

/// How many nodes a `troupe status --json` answer lists as alive.
inline int alive_nodes(const nlohmann::json& status) {
  int alive = 0;
  if (status.is_object() && status.contains("nodes"))
    for (const auto& n : status.at("nodes")) alive += n.at("alive").get<bool>() ? 1 : 0;
  return alive;
}

/// The state of `node` in a `troupe status --json` answer ("" when not listed).
inline std::string node_state(const nlohmann::json& status, const std::string& node) {
  if (status.is_object() && status.contains("nodes"))
    for (const auto& n : status.at("nodes"))
      if (n.at("name") == node) return n.at("state").get<std::string>();
  return {};
}

/// Asks `done()` every `interval` until it says true (then true) or `timeout` passes.
template <typename Condition>
bool eventually(Condition done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(200)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(interval);
  }
  return false;
}

/// A JSON file (a run's report), parsed; throws when it is missing or malformed.
inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace troupe::test
