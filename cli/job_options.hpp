#pragma once
/// \file
/// The job options shared by `troupe run`, `troupe train` (and later `submit`):
/// one description, so every subcommand spells them the same way.

#include <boost/program_options.hpp>

#include "runtime/job_spec.hpp"

namespace troupe::cli {

/// Adds --nodes, --rounds, --model, ... with the JobSpec defaults, bound to `job`.
void add_job_options(boost::program_options::options_description& desc, runtime::JobSpec& job);

}  // namespace troupe::cli
