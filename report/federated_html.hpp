#pragma once
/// \file
/// The HTML report's federated evaluation (--eval federated|both): a table of
/// each round's metrics weighted over the nodes' held-out examples, and one of
/// each node's latest evaluation. Nothing when the run had none.

#include <sstream>
#include <string>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Appends the two tables to `s`; element ids start with `prefix`
/// ("PREFIXfederated-table", "PREFIXnode-metrics").
void federated_tables(std::ostringstream& s, const RunReport& r, const std::string& prefix);

}  // namespace troupe::runtime
