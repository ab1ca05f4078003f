#pragma once
/// \file
/// `troupe status --json`: the cluster's status as one JSON object (schema in
/// docs/monitoring.md). Keys are only ever added, never renamed.

#include <nlohmann/json.hpp>
#include <string>

#include "actors/protocol.hpp"

namespace troupe::cli {

/// The status of the scheduler at `scheduler` (HOST:PORT, as asked).
nlohmann::json status_json(const actors::ClusterStatus& st, const std::string& scheduler);

}  // namespace troupe::cli
