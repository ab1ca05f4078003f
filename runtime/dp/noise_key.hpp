#pragma once
/// \file
/// The key all of a process's privacy noise for one job derives from.

#include <cstdint>

#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

/// The job's --seed with --dp-reproducible-noise (a run repeats, and anyone
/// who knows the seed can remove the noise); otherwise 64 bits from the
/// operating system's random source, drawn anew on every call, so that the
/// noise is known to no one, the process that adds it included, once added.
std::uint64_t noise_key(const JobSpec& job);

}  // namespace troupe::runtime
