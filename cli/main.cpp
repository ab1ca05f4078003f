// troupe: the command-line entry point. Dispatches to the subcommands.
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "runtime/system/memory_tuning.hpp"

namespace {

const char* kUsage =
    "usage: troupe <command> [options]\n"
    "\n"
    "commands:\n"
    "  run         train collaboratively on an embedded cluster (scheduler, aggregator, nodes in "
    "one process)\n"
    "  train       centralised baseline: the same model and budget in one process\n"
    "  scheduler   start a scheduler process (hosts an aggregator unless --aggregator is given)\n"
    "  aggregator  start a separate aggregator process\n"
    "  node        start a node process that joins a scheduler\n"
    "  submit      submit a job to a scheduler and follow it\n"
    "  status      show a scheduler's nodes and job\n"
    "  allocate    allocate tasks to nodes once (task/node files or an OR-Library GAP file)\n"
    "  simulate    run the online scheduler on a simulated cluster (virtual clock)\n"
    "  replay      replay an asynchronous run's event log and check the model bit for bit\n"
    "  report      render saved JSON run reports as one HTML page, or fetch a job's reports by id\n"
    "  jobs        list a scheduler's jobs and their states\n"
    "  wait        follow a job by id until it ends, like an attached submit\n"
    "  cancel      cancel a queued or running job by id\n"
    "\n"
    "allocation policies: priority, best-fit, spread, pack, balanced, regret, exact\n"
    "\n"
    "`troupe <command> --help` lists a command's options; `troupe --version` prints the\n"
    "version and the memory allocator in use.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace troupe::cli;
  troupe::runtime::tune_memory_allocator();
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = argv[1];
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
