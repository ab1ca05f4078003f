#include "actors/processes.hpp"

#include <unistd.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "actors/aggregator_actor.hpp"
#include "actors/cluster.hpp"
#include "actors/errors.hpp"
#include "actors/message_guard.hpp"
#include "actors/node_actor.hpp"
#include "actors/node_agent.hpp"
#include "actors/scheduler_actor.hpp"
#include "runtime/admission.hpp"
#include "runtime/resources.hpp"

namespace troupe::actors {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop = true;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

/// Sleeps up to `d`, waking early when a stop signal arrives; false if stopped.
bool sleep_unless_stopped(std::chrono::milliseconds d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    if (g_stop) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !g_stop;
}

/// After a stop signal the actor system waits for every actor; a node in the
/// middle of a training step would hold the process for the rest of its task.
/// Give a clean shutdown `grace` and then end the process.
void arm_exit_watchdog(int code,
                       std::chrono::milliseconds grace = std::chrono::milliseconds(3000)) {
  std::thread([code, grace] {
    std::this_thread::sleep_for(grace);
    std::cout.flush();
    std::_Exit(code);
  }).detach();
}

/// Waits until an actor `self` monitors goes down (true) or a stop signal
/// arrives (false).
bool wait_for_down(caf::scoped_actor& self) {
  bool down = false;
  while (!down && !g_stop)
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(std::chrono::milliseconds(200)) >> [] {});
  return down;
}

/// A CAF configuration with troupe's types and the network module (and the
/// openssl module when TLS is configured).
struct RemoteConfig : caf::actor_system_config {
  explicit RemoteConfig(const SecurityOptions& security = {}) {
    configure(*this);
    load<caf::io::middleman>();
    set("middleman.workers", 0);
    // Nodes talk to the aggregator directly, not through the scheduler's process.
    set("middleman.enable-automatic-connections", true);
    if (security.tls()) {
      load<caf::openssl::manager>();
      openssl_certificate = security.tls_cert;
      openssl_key = security.tls_key;
      openssl_cafile = security.tls_ca;
    }
  }
};

bool uses_tls(caf::actor_system& system) {
  return system.has_openssl_manager();
}

/// Connects to the actor published at `ep`, retrying with backoff until
/// `timeout_s` has passed (or a stop signal). Empty with `why` set on failure.
template <class Handle>
std::optional<Handle> connect(caf::actor_system& system, const Endpoint& ep, double timeout_s,
                              std::string* why) {
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    auto got = uses_tls(system) ? caf::openssl::remote_actor<Handle>(system, ep.host, ep.port)
                                : system.middleman().remote_actor<Handle>(ep.host, ep.port);
    if (got) return *got;
    *why = describe(got.error(), system);
    if (Clock::now() + backoff > deadline || !sleep_unless_stopped(backoff)) return std::nullopt;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

/// The key under which CAF's BASP broker tells peers how to reach this
/// process directly (automatic connections).
constexpr const char* kConnectivityKey = "basp.default-connectivity-tcp";

/// Takes down the extra port CAF opens for automatic connections. CAF 0.17
/// listens on a random port on every interface for them, in every process,
/// with plain TCP even when TLS is configured and without any size limit.
/// Listening processes advertise their guarded port instead (advertise());
/// the others advertise nothing, so peers route through a connection that
/// exists. Returns false when CAF opened no such port.
bool close_automatic_connection_port(caf::actor_system& system) {
  auto config_server = caf::actor_cast<caf::actor>(system.config_serv());
  if (!config_server) return false;
  caf::scoped_actor self{system};
  // The BASP broker stores its entry when it starts; ask until it is there.
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::optional<std::uint16_t> port;
    self->request(config_server, std::chrono::seconds(2), caf::get_atom::value,
                  std::string{kConnectivityKey})
        .receive(
            [&](const std::string&, caf::message& value) {
              value.apply([&](std::uint16_t p, caf::io::network::address_listing&) { port = p; });
            },
            [](caf::error&) {});
    if (port && *port != 0) {
      system.middleman().close(*port);
      caf::anon_send(config_server, caf::put_atom::value, std::string{kConnectivityKey},
                     caf::make_message(std::uint16_t{0}, caf::io::network::address_listing{}));
      return true;
    }
    if (port) return false;  // already closed
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

/// Tells peers to reach this process directly at `port` (the guard's).
void advertise(caf::actor_system& system, const Endpoint& ep, std::uint16_t port) {
  caf::io::network::address_listing addresses;
  if (ep.host.empty() || ep.host == "0.0.0.0")
    addresses = caf::io::network::interfaces::list_addresses(false);
  else
    addresses[caf::io::network::protocol::ipv4].push_back(ep.host);
  caf::anon_send(caf::actor_cast<caf::actor>(system.config_serv()), caf::put_atom::value,
                 std::string{kConnectivityKey}, caf::make_message(port, std::move(addresses)));
}

/// A published actor and the guard that owns its public port (none with --max-message 0).
struct Published {
  std::uint16_t port = 0;
  std::unique_ptr<MessageGuard> guard;
};

/// Publishes `h` at `ep`. With a message limit, CAF listens on 127.0.0.1 only
/// and a MessageGuard owns `ep` (see message_guard.hpp); under TLS the guard
/// also terminates TLS, so CAF's openssl module only makes outgoing connections.
template <class Handle>
std::optional<Published> publish(caf::actor_system& system, const Handle& h, const Endpoint& ep,
                                 const ProcessOptions& options, const std::string& who,
                                 std::string* why) {
  Published out;
  const bool tls = uses_tls(system);
  const bool guarded = options.max_message > 0;
  if (tls || guarded) close_automatic_connection_port(system);
  auto bound = guarded ? system.middleman().publish(h, 0, "127.0.0.1", /*reuse=*/true)
               : tls   ? caf::openssl::publish(h, ep.port, ep.host.c_str(), /*reuse=*/true)
                       : system.middleman().publish(h, ep.port, ep.host.c_str(), /*reuse=*/true);
  if (!bound) {
    *why = describe(bound.error(), system);
    return std::nullopt;
  }
  out.port = *bound;
  if (!guarded) return out;
  MessageGuardOptions go;
  go.host = ep.host;
  go.port = ep.port;
  go.upstream_port = *bound;
  go.max_message = options.max_message;
  go.max_in_flight = 2 * options.max_message;
  if (tls) {
    go.tls_cert = options.security.tls_cert;
    go.tls_key = options.security.tls_key;
    go.tls_ca = options.security.tls_ca;
  }
  go.log = [who](const std::string& line) { std::cerr << "troupe " + who + ": " + line + "\n"; };
  try {
    out.guard = std::make_unique<MessageGuard>(std::move(go));
  } catch (const std::exception& e) {
    *why = e.what();
    return std::nullopt;
  }
  out.port = out.guard->port();
  // Automatic connections are plain TCP in CAF 0.17: advertise the port only without TLS.
  if (!tls) advertise(system, ep, out.port);
  return out;
}

/// Asks the scheduler for a nonce for `name`; false with `why` set on failure.
bool challenge(caf::scoped_actor& self, const scheduler_actor& scheduler, const char* name,
               std::string* nonce, std::string* why) {
  bool ok = false;
  self->request(scheduler, std::chrono::seconds(10), challenge_atom::value, std::string{name})
      .receive(
          [&](const std::string& n) {
            *nonce = n;
            ok = true;
          },
          [&](caf::error& err) {
            *why = "no challenge from the scheduler: " + describe(err, self->system());
          });
  return ok;
}

std::string default_node_name() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

std::string gib(std::uint64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0)
    << " GiB";
  return s.str();
}

void print_round(const runtime::RoundRecord& r, int rounds) {
  std::cout << "round " << std::setw(3) << r.round << '/' << rounds << std::fixed
            << std::setprecision(4) << "  accuracy " << r.accuracy << "  f1 " << r.f1
            << "  test loss " << r.loss << "  updates " << r.updates << std::setprecision(2) << "  "
            << r.seconds << " s" << std::endl;
}

}  // namespace

std::string SecurityOptions::validate() const {
  const int given = !tls_cert.empty() + !tls_key.empty() + !tls_ca.empty();
  if (given != 0 && given != 3)
    return "TLS needs a certificate, its key and a CA file (--tls-cert, --tls-key, --tls-ca)";
  for (const auto* path : {&tls_cert, &tls_key, &tls_ca}) {
    if (path->empty()) continue;
    std::ifstream in(*path);
    if (!in) return "cannot read TLS file '" + *path + "'";
    std::string first;
    std::getline(in, first);
    if (first.rfind("-----BEGIN ", 0) != 0) return "TLS file '" + *path + "' is not PEM";
  }
  return {};
}

std::optional<Endpoint> parse_endpoint(const std::string& text, std::string* error) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    if (error) *error = "'" + text + "' is not HOST:PORT";
    return std::nullopt;
  }
  Endpoint ep;
  ep.host = text.substr(0, colon);
  if (ep.host.size() > 2 && ep.host.front() == '[' && ep.host.back() == ']')
    ep.host = ep.host.substr(1, ep.host.size() - 2);
  const auto port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) > 65535) {
    if (error) *error = "'" + port + "' in '" + text + "' is not a port (0-65535)";
    return std::nullopt;
  }
  ep.port = static_cast<std::uint16_t>(std::stoul(port));
  return ep;
}

bool announce_listening(const std::string& what, const Endpoint& bound,
                        const std::string& port_file) {
  std::cout << "troupe " << what << " listening on " << bound.str() << std::endl;
  if (port_file.empty()) return true;
  const auto tmp = port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << bound.port << '\n';
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), port_file.c_str()) == 0;
}

int run_scheduler_process(const SchedulerProcessOptions& options) {
  install_signal_handlers();
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
  sc.hold_need = {options.min_free_memory, options.min_free_disk};
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

int run_aggregator_process(const AggregatorProcessOptions& options) {
  install_signal_handlers();
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  std::string why;
  auto aggregator = spawn_aggregator(system);
  auto published = publish(system, aggregator, options.listen, options.common, "aggregator", &why);
  auto port = published ? std::optional<std::uint16_t>(published->port) : std::nullopt;
  if (!port) {
    std::cerr << "troupe aggregator: cannot listen on " << options.listen.str() << ": " << why
              << '\n';
    caf::anon_send_exit(aggregator, caf::exit_reason::user_shutdown);
    return 1;
  }
  announce_listening("aggregator", {options.listen.host, *port}, options.common.port_file);
  double timeout = options.common.connect_timeout_s;
  int code = 0;
  while (!g_stop) {
    auto scheduler = connect<scheduler_actor>(system, options.scheduler, timeout, &why);
    if (!scheduler) {
      if (!g_stop) {
        std::cerr << "troupe aggregator: cannot reach the scheduler at " << options.scheduler.str()
                  << ": " << why << '\n';
        code = 1;
      }
      break;
    }
    caf::scoped_actor self{system};
    self->monitor(*scheduler);
    // Offer this aggregator; a refusal (a job is running) or a failed request
    // is retried while the scheduler is there.
    bool offered = false;
    bool refused = false;
    const auto& secret = options.common.security.secret;
    for (int attempt = 0; !offered && !refused && !g_stop; ++attempt) {
      why.clear();
      auto on_error = [&](caf::error& err) {
        why = describe(err, system);
        refused = why.rfind("admission refused", 0) == 0;
      };
      if (secret.empty()) {
        self->request(*scheduler, std::chrono::seconds(10), aggregator_atom::value,
                      caf::actor_cast<caf::actor>(aggregator))
            .receive([&](bool accepted) { offered = accepted; }, on_error);
      } else {
        std::string nonce;
        self->request(*scheduler, std::chrono::seconds(10), challenge_atom::value,
                      std::string{kAggregatorName})
            .receive([&](const std::string& n) { nonce = n; }, on_error);
        if (!nonce.empty())
          self->request(*scheduler, std::chrono::seconds(10), aggregator_atom::value,
                        caf::actor_cast<caf::actor>(aggregator), nonce,
                        runtime::admission_proof(secret, nonce, kAggregatorName))
              .receive([&](bool accepted) { offered = accepted; }, on_error);
      }
      if (refused) {
        std::cerr << "troupe aggregator: the scheduler refused admission: " << why << '\n';
        code = 1;
        break;
      }
      if (!offered) {
        if (attempt == 0)
          std::cerr << "troupe aggregator: not accepted by the scheduler yet"
                    << (why.empty() ? " (a job is running)" : ": " + why) << "; retrying\n";
        if (!sleep_unless_stopped(std::chrono::milliseconds(1000))) break;
      }
    }
    if (!offered) break;
    if (!options.common.quiet)
      std::cout << "troupe aggregator: registered with " << options.scheduler.str() << std::endl;
    if (wait_for_down(self)) {
      std::cerr << "troupe aggregator: scheduler lost, reconnecting\n";
      timeout = options.common.reconnect_timeout_s;
    }
  }
  // Exit even if the actor system's teardown hangs (seen once after a refusal).
  arm_exit_watchdog(code);
  caf::anon_send_exit(aggregator, caf::exit_reason::user_shutdown);
  return code;
}

int run_node_process(const NodeProcessOptions& options) {
  install_signal_handlers();
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  const auto name = options.name.empty() ? default_node_name() : options.name;
  NodeConfig nc;
  nc.name = name;
  nc.device = options.device;
  nc.threads = options.threads;
  nc.placement = options.placement;
  nc.speed_factor = options.speed_factor;
  nc.dropout = options.dropout;
  nc.attack = options.attack;
  nc.attack_scale = options.attack_scale;
  nc.data_dir = options.data_dir;
  nc.behaviour = options.behaviour;
  nc.gate = std::make_shared<runtime::ComputeGate>(1);
  auto traffic = std::make_shared<runtime::TrafficMeter>();
  nc.traffic = traffic;
  auto node = options.spawn_node ? options.spawn_node(system, std::move(nc))
                                 : spawn_node(system, std::move(nc));
  if (!node) {
    std::cerr << "troupe node " << name << ": NodeProcessOptions::spawn_node returned no actor\n";
    return 1;
  }

  NodeRegistration reg;
  reg.name = name;
  reg.resources = runtime::probe_resources(options.data_dir.empty() ? "." : options.data_dir);
  reg.data = options.placement;
  reg.speed = options.speed;
  reg.pid = static_cast<std::int32_t>(getpid());
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  reg.host = host;

  std::string why;
  double timeout = options.common.connect_timeout_s;
  int code = 0;
  auto refusal = std::make_shared<std::string>();
  while (!g_stop) {
    auto scheduler = connect<scheduler_actor>(system, options.scheduler, timeout, &why);
    if (!scheduler) {
      if (!g_stop) {
        std::cerr << "troupe node " << name << ": cannot reach the scheduler at "
                  << options.scheduler.str() << " within " << timeout << " s: " << why << '\n';
        code = 1;
      }
      break;
    }
    if (!options.common.quiet)
      std::cout << "troupe node " << name << ": connected to " << options.scheduler.str()
                << std::endl;
    NodeAgentConfig ac;
    ac.scheduler = *scheduler;
    ac.node = node;
    ac.registration = reg;
    ac.heartbeat_interval_s = options.heartbeat_interval_s;
    ac.announce = !options.common.quiet;
    ac.secret = options.common.security.secret;
    ac.on_refused = [refusal](const std::string& why) { *refusal = why; };
    ac.disk_path = options.data_dir.empty() ? "." : options.data_dir;
    ac.traffic = traffic;
    ac.gpus = !reg.resources.gpus.empty();
    auto agent = spawn_node_agent(system, ac);
    caf::scoped_actor self{system};
    self->monitor(agent);
    if (!wait_for_down(self)) {
      self->send_exit(agent, caf::exit_reason::user_shutdown);
      break;
    }
    if (!refusal->empty()) {  // written by the agent before it quit
      std::cerr << "troupe node " << name << ": not admitted by " << options.scheduler.str() << ": "
                << *refusal << '\n';
      code = 1;
      break;
    }
    std::cerr << "troupe node " << name << ": scheduler lost, reconnecting\n";
    timeout = options.common.reconnect_timeout_s;
  }
  // Exit even if the actor system's teardown hangs (seen once after a refusal).
  arm_exit_watchdog(code);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  return code;
}

runtime::RunReport run_submit(const SubmitOptions& options) {
  RemoteConfig cfg{options.common.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  runtime::RunReport report;
  report.config = options.job;
  std::string why;
  auto scheduler =
      connect<scheduler_actor>(system, options.scheduler, options.common.connect_timeout_s, &why);
  if (!scheduler) {
    report.status = "failed";
    report.error = "cannot reach the scheduler at " + options.scheduler.str() + ": " + why;
    return report;
  }
  caf::scoped_actor self{system};
  self->monitor(*scheduler);
  const auto& secret = options.common.security.secret;
  if (secret.empty()) {
    self->send(*scheduler, submit_atom::value, options.job);
  } else {
    std::string nonce;
    if (!challenge(self, *scheduler, kSubmitName, &nonce, &why)) {
      report.status = "failed";
      report.error = why;
      return report;
    }
    self->send(*scheduler, submit_atom::value, options.job, nonce,
               runtime::admission_proof(secret, nonce, kSubmitName));
  }
  bool running = true;
  self->receive_while(running)(
      [&](progress_atom, const runtime::RoundRecord& r) {
        if (options.on_round)
          options.on_round(r);
        else if (!options.common.quiet)
          print_round(r, options.job.rounds);
      },
      [&](runtime::RunReport& r) {
        report = std::move(r);
        running = false;
      },
      [&](caf::down_msg& dm) {
        report.status = "failed";
        report.error = "lost the connection to the scheduler (" + describe(dm.reason, system) + ")";
        running = false;
      },
      [&](caf::error& err) {
        report.status = "failed";
        report.error = describe(err, system);
        running = false;
      });
  return report;
}

int run_status(const Endpoint& scheduler_ep, const ProcessOptions& options) {
  RemoteConfig cfg{options.security};
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  std::string why;
  auto scheduler = connect<scheduler_actor>(system, scheduler_ep, options.connect_timeout_s, &why);
  if (!scheduler) {
    std::cerr << "troupe status: cannot reach the scheduler at " << scheduler_ep.str() << ": "
              << why << '\n';
    return 1;
  }
  caf::scoped_actor self{system};
  int code = 0;
  const auto& secret = options.security.secret;
  std::string nonce;
  if (!secret.empty() && !challenge(self, *scheduler, kStatusName, &nonce, &why)) {
    std::cerr << "troupe status: " << why << '\n';
    return 1;
  }
  auto request = secret.empty()
                     ? self->request(*scheduler, std::chrono::seconds(10), status_atom::value)
                     : self->request(*scheduler, std::chrono::seconds(10), status_atom::value,
                                     nonce, runtime::admission_proof(secret, nonce, kStatusName));
  std::move(request).receive(
      [&](const ClusterStatus& st) {
        std::cout << "aggregator: " << (st.aggregator ? "registered" : "none")
                  << ", jobs done: " << st.jobs_done << ", queued: " << st.queued << '\n';
        if (st.job.empty()) {
          std::cout << "job: idle\n";
        } else {
          std::cout << "job: " << st.job << ", round " << st.round << "/" << st.rounds;
          if (!st.progress.empty())
            std::cout << ", accuracy " << std::fixed << std::setprecision(4)
                      << st.progress.back().accuracy;
          std::cout << '\n';
        }
        std::cout << std::left << std::setw(24) << "node" << std::setw(7) << "state" << std::setw(7)
                  << "cores" << std::setw(20) << "memory avail/total" << std::setw(6) << "gpus"
                  << std::setw(11) << "rss" << std::setw(6) << "cpu" << std::setw(8) << "shard"
                  << std::setw(8) << "task"
                  << "last seen\n";
        for (const auto& n : st.nodes) {
          std::ostringstream mem, cpu, shard, seen;
          mem << gib(n.usage.memory_available ? n.usage.memory_available
                                              : n.resources.memory_available)
              << "/" << gib(n.resources.memory_total);
          cpu << std::fixed << std::setprecision(0) << 100.0 * n.usage.cpu_utilisation << "%";
          shard << (n.data.shard >= 0
                        ? std::to_string(n.data.shard) + "/" + std::to_string(n.data.shards)
                        : "any");
          seen << std::fixed << std::setprecision(1) << n.last_seen_s << " s ago";
          std::cout << std::left << std::setw(24) << n.id << std::setw(7) << n.state << std::setw(7)
                    << n.resources.cores << std::setw(20) << mem.str() << std::setw(6)
                    << n.resources.gpus.size() << std::setw(11) << gib(n.usage.rss) << std::setw(6)
                    << cpu.str() << std::setw(8) << shard.str() << std::setw(8)
                    << (n.current_task >= 0 ? std::to_string(n.current_task) : "-") << seen.str()
                    << (n.state == "lost" ? "  (" + n.lost_reason + ")" : "")
                    << (n.incarnation > 1 ? "  (incarnation " + std::to_string(n.incarnation) + ")"
                                          : "")
                    << '\n';
        }
      },
      [&](caf::error& err) {
        std::cerr << "troupe status: " << describe(err, system) << '\n';
        code = 1;
      });
  return code;
}

}  // namespace troupe::actors
