#pragma once
/// \file
/// How this troupe process was started, recorded once by main and by option
/// parsing, so that every report it writes carries its provenance.

#include <string>

#include "runtime/core/provenance.hpp"

namespace troupe::cli {

/// Remembers argv (quoted) and the start time; main calls it first.
void record_invocation(int argc, const char* const* argv);

/// Remembers the file the job's options came from (--config, --job).
void record_job_file(const std::string& path);

/// `from_job` (what the scheduler filled in: its host, the nodes' hosts, the
/// job's start) completed with this process's version, start time, host
/// (first), command line and job file.
runtime::Provenance this_run_provenance(runtime::Provenance from_job);

}  // namespace troupe::cli
