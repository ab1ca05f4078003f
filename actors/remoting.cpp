#include "actors/remoting.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "actors/handshake.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  g_stop_signal = signal;
  g_stop = true;
}

/// The key under which CAF's BASP broker tells peers how to reach this
/// process directly (automatic connections).
constexpr const char* kConnectivityKey = "basp.default-connectivity-tcp";

}  // namespace

bool stop_requested() {
  return g_stop;
}

int stop_signal() {
  return g_stop_signal;
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
void arm_exit_watchdog(int code, std::chrono::milliseconds grace) {
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
bool uses_tls(caf::actor_system& system) {
  return system.has_openssl_manager();
}
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
std::vector<std::string> data_plane_hosts(const Endpoint& ep) {
  if (const char* chosen = std::getenv("TROUPE_DATA_PLANE_HOSTS"); chosen && *chosen) {
    std::vector<std::string> hosts;
    std::stringstream list(chosen);
    for (std::string host; std::getline(list, host, ',');) {
      const auto first = host.find_first_not_of(" \t");
      if (first == std::string::npos) continue;
      hosts.push_back(host.substr(first, host.find_last_not_of(" \t") - first + 1));
    }
    if (!hosts.empty()) return hosts;
  }
  if (!ep.host.empty() && ep.host != "0.0.0.0") return {ep.host};
  // The guard listens on every IPv4 address then.
  auto found =
      caf::io::network::interfaces::list_addresses(false)[caf::io::network::protocol::ipv4];
  found.push_back("127.0.0.1");  // the last try: senders on this host
  return found;
}

bool admission_for(caf::scoped_actor& self, const scheduler_actor& scheduler, const char* name,
                   const std::string& secret, runtime::Admission* answer, std::string* why,
                   bool* refused) {
  *answer = {};
  auto hello = say_hello(self, scheduler, name, why, refused);
  if (!hello) return false;
  *answer = answer_hello(*hello, name, secret, nullptr);
  return true;
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

std::string round_line(const runtime::RoundRecord& r, int rounds) {
  std::ostringstream out;
  out << "round " << std::setw(3) << r.round << '/' << rounds << std::fixed << std::setprecision(4)
      << "  accuracy " << r.accuracy << "  f1 " << r.f1 << "  test loss " << r.loss << "  updates "
      << r.updates << std::setprecision(2) << "  " << r.seconds << " s";
  return out.str();
}

void print_round(const runtime::RoundRecord& r, int rounds) {
  std::cout << round_line(r, rounds) << std::endl;
}

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
  runtime::logging::info("troupe " + what + " listening on " + bound.str());
  if (port_file.empty()) return true;
  const auto tmp = port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << bound.port << '\n';
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), port_file.c_str()) == 0;
}

}  // namespace troupe::actors
