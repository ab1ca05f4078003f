#pragma once
/// \file
/// The troupe subcommands; each parses its options and wires them to a library call.

#include <boost/program_options/options_description.hpp>

#include <optional>
#include <string>

#include "actors/endpoint.hpp"

#include "runtime/core/report.hpp"

namespace troupe::cli {

int run_command(int argc, char** argv);         ///< troupe run: embedded cluster
int train_command(int argc, char** argv);       ///< troupe train: centralised baseline
int scheduler_command(int argc, char** argv);   ///< troupe scheduler
int aggregator_command(int argc, char** argv);  ///< troupe aggregator
int node_command(int argc, char** argv);        ///< troupe node
int submit_command(int argc, char** argv);      ///< troupe submit
int status_command(int argc, char** argv);      ///< troupe status
int replay_command(int argc, char** argv);      ///< troupe replay: async event log
int allocate_command(int argc, char** argv);    ///< troupe allocate: one allocation from files
int simulate_command(int argc,
                     char** argv);  ///< troupe simulate: the online scheduler, virtual clock

int report_command(int argc, char** argv);  ///< troupe report: HTML page from JSON reports or a job
int jobs_command(int argc, char** argv);    ///< troupe jobs: a scheduler's jobs
int wait_command(int argc, char** argv);    ///< troupe wait ID: follows a job
int cancel_command(int argc, char** argv);  ///< troupe cancel ID

/// How a client command reaches a scheduler: --scheduler, the timeouts and
/// --quiet, --secret-file and TLS (the options `troupe status` takes).
struct SchedulerClient {
  std::string scheduler = "127.0.0.1:7070";  ///< HOST:PORT as given
  std::string secret_file;
  actors::Endpoint endpoint;  ///< parsed by load_client_options
  actors::ProcessOptions common;
};

/// Adds the options of `client` to `desc`.
void add_client_options(boost::program_options::options_description& desc, SchedulerClient& client);
/// After parsing: reads the secret, checks TLS files and the address; an
/// exit code (usage error) when they are unusable.
std::optional<int> load_client_options(const std::string& command, SchedulerClient& client);

/// Where a job's report goes besides the terminal.
struct ReportOutputs {
  std::string json_file;  ///< --out FILE
  std::string html_dir;   ///< --report DIR
};

/// Adds --out FILE and --report DIR.
void add_report_options(boost::program_options::options_description& desc, ReportOutputs& outputs);

/// Prints the report's tables, writes the JSON file and the HTML report when
/// asked, and returns the exit code: 0 when the job succeeded and every file
/// was written, 1 otherwise.
int finish_report(const runtime::RunReport& report, const ReportOutputs& outputs);

}  // namespace troupe::cli
