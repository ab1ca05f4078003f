#pragma once
/// \file
/// What a job's rounds lost, as one sentence for the report's error and the
/// terminal. A synchronous round loses work when a shard of it delivered no
/// update (RoundRecord::lost_shards); the job then ends "degraded" unless
/// --allow-partial-rounds accepts it.

#include <string>
#include <vector>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Empty when no round lost work; otherwise e.g. "2 of 10 rounds lost work:
/// round 1 lost shards 1, 2; round 2 lost shard 1".
std::string lost_work(const std::vector<RoundRecord>& rounds);

/// "shard 1" or "shards 1, 2" (the terminal's progress line).
std::string shard_list(const std::vector<int>& shards);

}  // namespace troupe::runtime
