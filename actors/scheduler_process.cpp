#include "actors/processes.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>

#include "actors/aggregator_actor.hpp"
#include "actors/remoting.hpp"
#include "actors/scheduler_actor.hpp"
#include "net/metrics_http.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/metrics.hpp"

namespace troupe::actors {
namespace {

namespace logging = runtime::logging;

/// Writes `port` to `path` through a temporary file, so a reader never sees half of it.
bool write_port_file(const std::string& path, std::uint16_t port) {
  const auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << '\n';
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

/// Serves the scheduler's metrics; /healthz answers 200 while the scheduler
/// actor lives (`alive`, cleared by a functor attached to it). Null with a
/// logged error when it cannot listen.
std::unique_ptr<MetricsHttpServer> serve_metrics(const SchedulerProcessOptions& options,
                                                 std::shared_ptr<runtime::MetricsRegistry> metrics,
                                                 std::shared_ptr<std::atomic<bool>> alive) {
  MetricsHttpOptions mo;
  mo.host = options.metrics_listen->host;
  mo.port = options.metrics_listen->port;
  mo.metrics = [metrics] { return metrics->render(); };
  mo.healthy = [alive] { return alive->load(); };
  try {
    auto server = std::make_unique<MetricsHttpServer>(std::move(mo));
    const Endpoint bound{options.metrics_listen->host, server->port()};
    logging::info("troupe scheduler: metrics on http://" + bound.str() + "/metrics");
    if (!options.metrics_port_file.empty() &&
        !write_port_file(options.metrics_port_file, server->port())) {
      logging::error("troupe scheduler: cannot write " + options.metrics_port_file);
      return nullptr;
    }
    return server;
  } catch (const std::exception& e) {
    logging::error(std::string("troupe scheduler: ") + e.what());
    return nullptr;
  }
}

}  // namespace

int run_scheduler_process(const SchedulerProcessOptions& options) {
  install_signal_handlers();
  std::shared_ptr<runtime::MetricsRegistry> metrics;
  auto common = options.common;
  if (options.metrics_listen) {
    metrics = std::make_shared<runtime::MetricsRegistry>();
    common.on_guard_refusal = [metrics](const std::string& reason) {
      metrics->add("troupe_guard_refusals_total", 1, {{"reason", reason}});
    };
  }
  auto jobs = std::make_shared<runtime::JobRegistry>();
  if (!options.state_dir.empty()) {
    try {
      *jobs = runtime::JobRegistry::open(
          options.state_dir,
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count());
    } catch (const std::exception& e) {
      logging::error(std::string("troupe scheduler: --state-dir: ") + e.what());
      return 2;
    }
  }
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  std::string why;
  aggregator_actor aggregator;
  std::vector<aggregator_actor> more_aggregators;  // hosted, for jobs run at once
  if (options.aggregator) {
    auto got = connect<aggregator_actor>(system, *options.aggregator,
                                         options.common.connect_timeout_s, &why);
    if (!got) {
      logging::error("troupe scheduler: cannot reach the aggregator at " +
                     options.aggregator->str() + ": " + why);
      return 1;
    }
    aggregator = *got;
  } else {
    aggregator = spawn_aggregator(system);
    for (int i = 1; i < options.concurrent_jobs; ++i)
      more_aggregators.push_back(spawn_aggregator(system));
  }
  // Hosted aggregators end with the scheduler.
  const auto stop_hosted = [&] {
    if (options.aggregator) return;
    caf::anon_send_exit(aggregator, caf::exit_reason::user_shutdown);
    for (const auto& a : more_aggregators) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  };
  SchedulerConfig sc;
  sc.aggregator = aggregator;
  sc.more_aggregators = more_aggregators;
  sc.concurrent_jobs = options.concurrent_jobs;
  sc.share_nodes = options.share_nodes;
  sc.heartbeat_timeout_s = options.heartbeat_timeout_s;
  sc.secret = options.common.security.secret;
  sc.remote = true;
  sc.allowed_nodes = options.allowed_nodes;
  sc.hold_need = {options.min_free_memory, options.min_free_disk};
  sc.jobs = jobs;
  sc.render = options.render;
  sc.metrics = metrics;
  if (!options.common.quiet)
    sc.on_round = [](const runtime::RoundRecord& r, int rounds) {
      logging::info(round_line(r, rounds));
    };
  auto scheduler = spawn_scheduler(system, std::move(sc));
  std::unique_ptr<MetricsHttpServer> metrics_server;
  if (metrics) {
    auto alive = std::make_shared<std::atomic<bool>>(true);
    caf::actor_cast<caf::abstract_actor*>(scheduler)->attach_functor([alive] { *alive = false; });
    metrics_server = serve_metrics(options, metrics, alive);
    if (!metrics_server) {
      caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
      stop_hosted();
      return 1;
    }
  }
  auto published = publish(system, scheduler, options.listen, common, "scheduler", &why);
  auto port = published ? std::optional<std::uint16_t>(published->port) : std::nullopt;
  if (!port) {
    logging::error("troupe scheduler: cannot listen on " + options.listen.str() + ": " + why);
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
    stop_hosted();
    return 1;
  }
  if (!announce_listening("scheduler", {options.listen.host, *port}, options.common.port_file)) {
    logging::error("troupe scheduler: cannot write " + options.common.port_file);
    return 1;
  }
  while (sleep_unless_stopped(std::chrono::milliseconds(200))) {
  }
  arm_exit_watchdog(0);
  caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  stop_hosted();
  return 0;
}

}  // namespace troupe::actors
