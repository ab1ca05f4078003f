#pragma once
/// \file
/// Options that do not apply to a command or to the job's mode. Given anyway
/// (on the command line, in the environment or in the --config file), they are
/// a usage error that says why, never silently ignored.

#include <boost/program_options/variables_map.hpp>

#include <string>

#include "runtime/core/job_spec.hpp"

namespace troupe::cli {

/// True when `option` was given (command line, environment, --config), not
/// merely defaulted.
bool given(const boost::program_options::variables_map& vm, const std::string& option);

/// Empty when every given job option applies to `command` (run, train,
/// submit) with `job`'s mode; else the first that does not, and why.
std::string inapplicable_option(const std::string& command, const runtime::JobSpec& job,
                                const boost::program_options::variables_map& vm);

}  // namespace troupe::cli
