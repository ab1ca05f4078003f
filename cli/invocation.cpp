#include "cli/invocation.hpp"

namespace troupe::cli {

namespace {

/// The one process-wide record; written before any thread starts.
struct Invocation {
  std::string command_line;
  std::string started_utc;
  std::string job_file;
};

Invocation& invocation() {
  static Invocation i;
  return i;
}

}  // namespace

void record_invocation(int argc, const char* const* argv) {
  invocation().command_line = runtime::quoted_command_line(argc, argv);
  invocation().started_utc = runtime::utc_now_iso8601();
}

void record_job_file(const std::string& path) {
  invocation().job_file = path;
}

runtime::Provenance this_run_provenance(runtime::Provenance from_job) {
  runtime::Provenance p;
  p.troupe_version = TROUPE_VERSION;
  // The scheduler's start is the job's (a queued job starts after its submit).
  p.started_utc = from_job.started_utc.empty() ? invocation().started_utc : from_job.started_utc;
  p.command_line = invocation().command_line;
  p.job_file = invocation().job_file;
  runtime::add_host(p.hosts, runtime::this_host());
  for (const auto& h : from_job.hosts) runtime::add_host(p.hosts, h);
  return p;
}

}  // namespace troupe::cli
