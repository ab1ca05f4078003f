#pragma once
/// \file
/// Reading tasks, nodes and workloads from CSV or JSON files. Every error names
/// the file, the line and the reason (InputError).
///
/// Tasks, CSV with a header row (columns in any order; `#` starts a comment line)
/// or JSON (an array of objects, or an object with a "tasks" array), keys:
///   id (integer, required, unique), priority (1), cpu (0), memory (0),
///   gpu_memory (0), work (1; seconds at speed 1), deadline (none; empty in
///   CSV or null in JSON), arrival (0; used by simulate)
/// Nodes, the same way ("nodes" array), keys:
///   id (text, required, unique), cpu (0), memory (0), gpu_memory (0),
///   speed (1, > 0), state (up | draining | down; up)
/// Workload, JSON only: {"tasks": [...], "nodes": [...], "node_events":
///   [{"time": 5, "node": "n1", "up": false}, ...]} (node_events optional).
/// Numbers must be finite and not negative (priority may be negative).

#include <string>
#include <vector>

#include "runtime/allocation/allocator.hpp"
#include "runtime/simulation/simulator.hpp"

namespace troupe::runtime {

/// Tasks with their arrival times, from `text` (CSV or JSON, by its first character).
std::vector<WorkloadTask> parse_tasks(const std::string& text, const std::string& name);
std::vector<NodeCapacity> parse_nodes(const std::string& text, const std::string& name);
Workload parse_workload(const std::string& text, const std::string& name);

/// The file's contents; InputError (line 0) when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace troupe::runtime
