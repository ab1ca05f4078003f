#pragma once
/// \file
/// A run's report as JSON, the one format later tools read: stable top-level
/// keys (config, tasks, rounds, final, nodes, efficiency) that are only ever added.

#include <string>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// JSON text of the report (two-space indented).
std::string to_json(const RunReport& report);

/// Writes to_json(report) to `path`; throws std::runtime_error when it cannot.
void write_json(const RunReport& report, const std::string& path);

}  // namespace troupe::runtime
