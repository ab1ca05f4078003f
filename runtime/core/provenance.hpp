#pragma once
/// \file
/// Where a report came from: which troupe ran the job, when, on which hosts,
/// and from which command line or job file. Every run report carries it
/// (JSON key "provenance"), so a report read months later still says so.

#include <string>
#include <vector>

namespace troupe::runtime {

/// A report's origin. Empty fields are unknown (an older report).
struct Provenance {
  std::string troupe_version;      ///< e.g. "0.1.0"
  std::string started_utc;         ///< ISO-8601 UTC, e.g. "2026-12-02T12:00:00Z"
  std::vector<std::string> hosts;  ///< host names: the submitter's, the scheduler's, nodes'
  std::string command_line;        ///< argv, each argument quoted when it needs to be
  std::string job_file;            ///< the --config or --job file the job came from, if any
};

/// The current time as ISO-8601 UTC with a Z, to the second.
std::string utc_now_iso8601();

/// This machine's host name (gethostname), "unknown" when it has none.
std::string this_host();

/// argv as one line a shell would split back the same: arguments with spaces
/// or shell characters in single quotes.
std::string quoted_command_line(int argc, const char* const* argv);

/// Appends `host` to `hosts` unless it is empty or already there.
void add_host(std::vector<std::string>& hosts, const std::string& host);

}  // namespace troupe::runtime
