#pragma once
/// \file
/// Which jobs can sum their updates under secure aggregation
/// (--secure-aggregation): the aggregator then sees only one sum per round,
/// so every part of the job that needs individual updates in clear is refused.

#include <string>

namespace troupe::runtime {

struct JobSpec;

/// Empty when `job` can run with its --secure-aggregation as given (or
/// without it), else the first conflict as a sentence naming the options.
std::string secure_aggregation_problem(const JobSpec& job);

}  // namespace troupe::runtime
