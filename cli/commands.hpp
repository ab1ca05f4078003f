#pragma once
/// \file
/// The troupe subcommands; each parses its options and wires them to a library call.

#include <string>

#include "runtime/report.hpp"

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

/// Prints the report's tables, writes `out` (JSON) when given, and returns the
/// exit code: 0 when the job succeeded, 1 otherwise.
int finish_report(const runtime::RunReport& report, const std::string& out);

/// Prints a per-round progress line.
void print_progress(const runtime::RoundRecord& record, int rounds);

}  // namespace troupe::cli
