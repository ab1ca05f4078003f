#pragma once
/// \file
/// A run's report as terminal tables.

#include <iosfwd>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Terminal tables: allocation and per-task times, rounds, nodes, efficiency, final metrics.
void print_report(std::ostream& os, const RunReport& report);

}  // namespace troupe::runtime
