#pragma once
/// \file
/// The HTML table of a local-data run's nodes: each node's shard, the
/// examples it registered (the weight FedAvg gave its updates), its label
/// histogram and the file it read.

#include <string>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// The table (ids prefixed with `prefix`); empty when the run has no node data.
std::string node_data_html(const RunReport& r, const std::string& prefix);

}  // namespace troupe::runtime
