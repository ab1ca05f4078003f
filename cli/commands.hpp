#pragma once
// The troupe subcommands defined outside main.cpp. Each takes the arguments
// after the command name (argv[0] is the command) and returns the exit code.

namespace troupe::cli {

/// `troupe allocate`: one allocation from task and node files or an OR-Library GAP file.
int allocate_command(int argc, char** argv);
/// `troupe simulate`: the online scheduler on a workload file or a synthetic workload.
int simulate_command(int argc, char** argv);

}  // namespace troupe::cli
