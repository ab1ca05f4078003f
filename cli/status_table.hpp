#pragma once
/// \file
/// `troupe status` as a table: the aggregator, the job's progress, one row per node.

#include <iosfwd>

#include "actors/protocol.hpp"

namespace troupe::cli {

void print_status(std::ostream& out, const actors::ClusterStatus& st);

}  // namespace troupe::cli
