// troupe: the command-line entry point. Dispatches to the subcommands.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/invocation.hpp"
#include "cli/options.hpp"
#include "runtime/system/memory_tuning.hpp"
#include "runtime/system/open_files.hpp"

namespace {

// One line per command, grouped by what it is for; keep one command per line.
const char* kUsage =
    "usage: troupe <command> [options]\n"
    "       troupe help <command>   (the same as troupe <command> --help)\n"
    "\n"
    "jobs in this process:\n"
    "  run         train collaboratively on an embedded cluster (scheduler, aggregator and\n"
    "              nodes in one process)\n"
    "  train       centralised baseline: the same model and budget in one process\n"
    "\n"
    "a cluster of processes:\n"
    "  scheduler   start a scheduler (hosts an aggregator unless --aggregator is given)\n"
    "  aggregator  start a separate aggregator\n"
    "  node        start a node that joins a scheduler\n"
    "  submit      submit a job to a scheduler and follow it\n"
    "  status      show a scheduler's nodes and job\n"
    "\n"
    "scheduling without a cluster:\n"
    "  allocate    allocate tasks to nodes once (task/node files or an OR-Library GAP file)\n"
    "  simulate    run the online scheduler on a simulated cluster (virtual clock)\n"
    "\n"
    "jobs on a scheduler:\n"
    "  jobs        list a scheduler's jobs and their states\n"
    "  wait        follow a job by id until it ends, like an attached submit\n"
    "  cancel      cancel a queued or running job by id\n"
    "\n"
    "reports and logs:\n"
    "  report      render saved JSON run reports as one HTML page, or fetch a job's reports by id\n"
    "  replay      replay an asynchronous run's event log and check the model bit for bit\n"
    "\n"
    "  help        this text, or a command's options (troupe help run)\n"
    "  version     the version and the memory allocator in use (also --version)\n"
    "\n"
    "Every option can also be set as TROUPE_<OPTION> in the environment\n"
    "(TROUPE_LOCAL_EPOCHS=2). Exit codes: 0 ok, 1 failed, 2 usage or input error,\n"
    "3 degraded (a job whose rounds lost shards). Reference: docs/cli.md.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace troupe::cli;
  troupe::runtime::tune_memory_allocator();
  // A scheduler holds several descriptors per peer (runtime/system/open_files.hpp).
  troupe::runtime::raise_open_file_limit();
  record_invocation(argc, argv);
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  std::string command = argv[1];
  // `troupe help CMD` is `troupe CMD --help`.
  std::vector<char*> help_args;
  static char help_flag[] = "--help";
  if (command == "help" && argc >= 3) {
    command = argv[2];
    help_args = {argv[0], argv[2], help_flag, nullptr};
    argc = 3;
    argv = help_args.data();
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (command == "--version" || command == "version") {
    std::cout << "troupe " << TROUPE_VERSION
              << "\nallocator: " << troupe::runtime::memory_allocator() << "\n";
    return kExitOk;
  }
  // Subcommand parsers see the remaining arguments only.
  argc -= 1;
  argv += 1;
  if (command == "run") return run_command(argc, argv);
  if (command == "train") return train_command(argc, argv);
  if (command == "scheduler") return scheduler_command(argc, argv);
  if (command == "aggregator") return aggregator_command(argc, argv);
  if (command == "node") return node_command(argc, argv);
  if (command == "submit") return submit_command(argc, argv);
  if (command == "status") return status_command(argc, argv);
  if (command == "allocate") return allocate_command(argc, argv);
  if (command == "simulate") return simulate_command(argc, argv);
  if (command == "replay") return replay_command(argc, argv);
  if (command == "report") return report_command(argc, argv);
  if (command == "jobs") return jobs_command(argc, argv);
  if (command == "wait") return wait_command(argc, argv);
  if (command == "cancel") return cancel_command(argc, argv);
  std::cerr << "troupe: unknown command '" << command << "'\n\n" << kUsage;
  return kExitUsage;
}
