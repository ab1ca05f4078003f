// troupe replay: re-runs an asynchronous job from its event log.
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "runtime/scheduling/async_replay.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

int replay_command(int argc, char** argv) {
  std::string log_path, data_dir;
  po::options_description desc("troupe replay options");
  desc.add_options()("log", po::value(&log_path), "event log written with --event-log")(
      "data-dir", po::value(&data_dir), "Fashion-MNIST directory (default: the job's)");
  if (auto code = parse_options("replay", argc, argv, desc)) return *code;
  if (log_path.empty()) return usage_error("replay", "--log FILE is required");
  try {
    const auto log = runtime::read_event_log(log_path);
    std::cout << "replaying " << log.events.size() << " events of a " << log.job.collab.mode
              << " job (" << log.job.train.model << ", " << log.job.nodes << " nodes)" << std::endl;
    const auto r = runtime::replay(log, data_dir);
    for (const auto& m : r.mismatches) std::cout << "  mismatch: " << m << '\n';
    std::cout << "retrained " << r.retrained << " updates; final version " << r.version
              << ", model " << hex(r.fingerprint) << " (log: " << hex(r.logged_fingerprint)
              << ")\n";
    if (!r.identical()) {
      std::cerr << "troupe replay: the replay differs from the log\n";
      return kExitFailed;
    }
    std::cout << "identical: the replay reproduces the logged model bit for bit\n";
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "troupe replay: " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace troupe::cli
