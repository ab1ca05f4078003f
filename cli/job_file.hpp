#pragma once
/// \file
/// `--job report.json`: a job re-run from the "config" object of a run report
/// (runtime/io/job_json.hpp reads it); options given on the command line, in
/// the environment or in --config override the file's values.

#include <boost/program_options/variables_map.hpp>

#include <string>

#include "runtime/core/job_spec.hpp"

namespace troupe::cli {

/// Replaces every option of `job` that `vm` does not hold as given with the
/// value of `path`'s "config" object. Empty when done, else the problem
/// naming the file (unreadable, not JSON, no "config", a bad value).
std::string merge_job_file(const std::string& path, const boost::program_options::variables_map& vm,
                           runtime::JobSpec& job);

}  // namespace troupe::cli
