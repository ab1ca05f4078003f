#include "actors/processes.hpp"

#include <chrono>
#include <iostream>
#include <memory>

#include "actors/aggregator_actor.hpp"
#include "actors/remoting.hpp"
#include "actors/scheduler_actor.hpp"

namespace troupe::actors {

int run_scheduler_process(const SchedulerProcessOptions& options) {
  install_signal_handlers();
  auto jobs = std::make_shared<runtime::JobRegistry>();
  if (!options.state_dir.empty()) {
    try {
      *jobs = runtime::JobRegistry::open(
          options.state_dir,
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count());
    } catch (const std::exception& e) {
      std::cerr << "troupe scheduler: --state-dir: " << e.what() << '\n';
      return 2;
    }
  }
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  std::string why;
  aggregator_actor aggregator;
  if (options.aggregator) {
    auto got = connect<aggregator_actor>(system, *options.aggregator,
                                         options.common.connect_timeout_s, &why);
    if (!got) {
      std::cerr << "troupe scheduler: cannot reach the aggregator at " << options.aggregator->str()
                << ": " << why << '\n';
      return 1;
    }
    aggregator = *got;
  } else {
    aggregator = spawn_aggregator(system);
  }
  SchedulerConfig sc;
  sc.aggregator = aggregator;
  sc.heartbeat_timeout_s = options.heartbeat_timeout_s;
  sc.secret = options.common.security.secret;
  sc.remote = true;
  sc.allowed_nodes = options.allowed_nodes;
  sc.hold_need = {options.min_free_memory, options.min_free_disk};
  sc.jobs = jobs;
  sc.render = options.render;
  if (!options.common.quiet) sc.on_round = print_round;
  auto scheduler = spawn_scheduler(system, std::move(sc));
  auto published = publish(system, scheduler, options.listen, options.common, "scheduler", &why);
  auto port = published ? std::optional<std::uint16_t>(published->port) : std::nullopt;
  if (!port) {
    std::cerr << "troupe scheduler: cannot listen on " << options.listen.str() << ": " << why
              << '\n';
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
    if (!options.aggregator) caf::anon_send_exit(aggregator, caf::exit_reason::user_shutdown);
    return 1;
  }
  if (!announce_listening("scheduler", {options.listen.host, *port}, options.common.port_file)) {
    std::cerr << "troupe scheduler: cannot write " << options.common.port_file << '\n';
    return 1;
  }
  while (sleep_unless_stopped(std::chrono::milliseconds(200))) {
  }
  arm_exit_watchdog(0);
  caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  if (!options.aggregator) caf::anon_send_exit(aggregator, caf::exit_reason::user_shutdown);
  return 0;
}

}  // namespace troupe::actors
