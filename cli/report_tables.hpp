#pragma once
/// \file
/// A run's report as terminal tables.

#include <iosfwd>
#include <string>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Terminal tables: allocation and per-task times, rounds, nodes, efficiency, final metrics.
void print_report(std::ostream& os, const RunReport& report);

/// One line: "troupe 0.1.0, started 2026-12-02T12:00:00Z on host-a, host-b[, job file F]".
std::string provenance_line(const Provenance& provenance);

}  // namespace troupe::runtime
