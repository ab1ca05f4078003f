#pragma once
/// \file
/// What every troupe process does with CAF's remoting: its configuration,
/// stop signals and the exit watchdog, connecting with retries, publishing
/// behind the message guard, closing CAF's automatic-connection port, and
/// answering the scheduler's admission challenge. Used by the process mains
/// (*_process.cpp); programs use processes.hpp.

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/cluster.hpp"
#include "actors/endpoint.hpp"
#include "actors/errors.hpp"
#include "actors/protocol.hpp"
#include "net/bulk_channel.hpp"
#include "net/message_guard.hpp"
#include "net/tls_host.hpp"
#include "runtime/core/report.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {

using Clock = std::chrono::steady_clock;

/// True once SIGINT or SIGTERM arrived (after install_signal_handlers()).
bool stop_requested();
/// The signal that requested the stop (SIGINT or SIGTERM); 0 before one.
int stop_signal();

void install_signal_handlers();

/// Sleeps up to `d`, waking early when a stop signal arrives; false if stopped.
bool sleep_unless_stopped(std::chrono::milliseconds d);

/// After a stop signal the actor system waits for every actor; a node in the
/// middle of a training step would hold the process for the rest of its task.
/// Give a clean shutdown `grace` and then end the process.
void arm_exit_watchdog(int code, std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

/// Waits until an actor `self` monitors goes down (true) or a stop signal
/// arrives (false).
bool wait_for_down(caf::scoped_actor& self);

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

bool uses_tls(caf::actor_system& system);

/// Connects to the actor published at `ep`, retrying with backoff until
/// `timeout_s` has passed (or a stop signal). Empty with `why` set on failure.
/// Under TLS the peer's certificate must name `ep.host` (net/tls_host.hpp); one
/// that does not ends the attempts at once, saying so.
template <class Handle>
std::optional<Handle> connect(caf::actor_system& system, const Endpoint& ep, double timeout_s,
                              std::string* why) {
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  auto backoff = std::chrono::milliseconds(100);
  const bool tls = uses_tls(system);
  if (tls && !expect_tls_host(ep.host)) {
    *why = "cannot set up TLS host name verification for '" + ep.host + "'";
    return std::nullopt;
  }
  for (;;) {
    auto got = tls ? caf::openssl::remote_actor<Handle>(system, ep.host, ep.port)
                   : system.middleman().remote_actor<Handle>(ep.host, ep.port);
    if (got) return *got;
    *why = describe(got.error(), system);
    // A certificate that does not name the host does not change by waiting.
    if (tls) {
      const auto& cfg = system.config();
      auto problem = tls_certificate_problem(ep.host, ep.port, cfg.openssl_certificate,
                                             cfg.openssl_key, cfg.openssl_cafile);
      if (!problem.empty()) {
        *why = std::move(problem);
        return std::nullopt;
      }
    }
    if (Clock::now() + backoff > deadline || !sleep_unless_stopped(backoff)) return std::nullopt;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

/// Takes down the extra port CAF opens for automatic connections. CAF 0.17
/// listens on a random port on every interface for them, in every process,
/// with plain TCP even when TLS is configured and without any size limit.
/// Listening processes advertise their guarded port instead (advertise());
/// the others advertise nothing, so peers route through a connection that
/// exists. Returns false when CAF opened no such port.
bool close_automatic_connection_port(caf::actor_system& system);

/// Tells peers to reach this process directly at `port` (the guard's).
void advertise(caf::actor_system& system, const Endpoint& ep, std::uint16_t port);

/// A published actor and the guard that owns its public port (none with
/// --max-message 0), with the data plane the guard hands its connections to
/// (none under TLS). The guard goes first: it calls the receiver.
struct Published {
  std::uint16_t port = 0;
  std::shared_ptr<net::BulkReceiver> bulk;
  std::unique_ptr<MessageGuard> guard;
};

/// The addresses the data plane tells senders for a process listening at `ep`:
/// those in TROUPE_DATA_PLANE_HOSTS (comma-separated) when it is set, else
/// `ep`'s host, or for 0.0.0.0 every IPv4 address of the host and 127.0.0.1.
std::vector<std::string> data_plane_hosts(const Endpoint& ep);

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
  go.log = [who](const std::string& line) {
    runtime::logging::warn("troupe " + who + ": " + line);
  };
  go.refused = options.on_guard_refusal;
  if (!tls) {
    net::BulkReceiverOptions bo;
    bo.log = go.log;
    bo.spool_dir = options.spool_dir;
    bo.spool_min_bytes = options.spool_min_bytes;
    out.bulk = std::make_shared<net::BulkReceiver>(std::move(bo));
    go.bulk = [receiver = out.bulk.get()](int fd, std::string first) {
      receiver->adopt(fd, std::move(first));
    };
    go.tick = [receiver = out.bulk.get()] { receiver->purge_lapsed(); };
  }
  try {
    out.guard = std::make_unique<MessageGuard>(std::move(go));
  } catch (const std::exception& e) {
    *why = e.what();
    return std::nullopt;
  }
  out.port = out.guard->port();
  if (out.bulk) {
    out.bulk->set_address(out.port, data_plane_hosts(ep));
    net::set_process_bulk_receiver(out.bulk);
  }
  // Automatic connections are plain TCP in CAF 0.17: advertise the port only without TLS.
  if (!tls) advertise(system, ep, out.port);
  return out;
}

/// The admission answer to send as `name`: says hello (the version check,
/// actors/handshake.hpp) and answers its nonce, with `secret` when there is one.
/// False with `why` set when no nonce came; `refused` (when given) is set when
/// retrying cannot help (another protocol version).
bool admission_for(caf::scoped_actor& self, const scheduler_actor& scheduler, const char* name,
                   const std::string& secret, runtime::Admission* answer, std::string* why,
                   bool* refused = nullptr);

/// A node's name when none is given: host name and process id.
std::string default_node_name();

/// One line per finished round on stdout (plain submit).
void print_round(const runtime::RoundRecord& r, int rounds);
/// The text of that line, without a newline (the daemons log it).
std::string round_line(const runtime::RoundRecord& r, int rounds);

}  // namespace troupe::actors
