#pragma once
/// \file
/// Where a process listens or connects, and the options every troupe process
/// shares (timeouts, security, the message limit). Plain C++: the CLI fills these.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace troupe::actors {

/// HOST:PORT.
struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
};

/// Parses "HOST:PORT" (PORT 0..65535; 0 lets the system choose when listening).
/// Empty with `error` set when malformed.
std::optional<Endpoint> parse_endpoint(const std::string& text, std::string* error);

/// Authentication and encryption of a process's remoting.
struct SecurityOptions {
  /// Shared secret for admission (the content of --secret-file); empty: none.
  /// Without a secret on the scheduler every process is admitted, as before.
  std::string secret;
  /// TLS for all of this process's remoting, through CAF's openssl module:
  /// certificate and key (PEM) of this process, and the CA that signed its
  /// peers' certificates. All three or none. TLS encrypts and checks that the
  /// peer holds a certificate of that CA; it is not admission: a scheduler with
  /// a secret still asks every joining process to answer its challenge.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;

  bool tls() const { return !tls_cert.empty(); }
  /// Empty when usable, else the problem (incomplete TLS triple, unreadable file).
  std::string validate() const;
};

/// Options every process shares.
struct ProcessOptions {
  double connect_timeout_s = 10.0;    ///< give up connecting after this long
  double reconnect_timeout_s = 60.0;  ///< after losing the peer, keep trying this long
  std::string port_file;              ///< write the bound port here (listening processes)
  bool quiet = false;
  SecurityOptions security;
  /// Listening processes without TLS: the largest message (payload bytes) a
  /// peer may send; larger ones close its connection (--max-message; 0: no
  /// guard, CAF's own port, as before). See net/message_guard.hpp.
  std::uint64_t max_message = std::uint64_t{1040} << 20;
  /// Listening processes: called with the message guard's reason for each
  /// connection or message it refuses (MessageGuardOptions::refused); may be empty.
  std::function<void(const std::string&)> on_guard_refusal;
  /// Listening processes with a data plane: updates of spool_min_bytes or
  /// more that come over it are written to unlinked files in this directory
  /// as they arrive and combined from there a chunk at a time (--spool-dir,
  /// --spool-min-mib; net/bulk_channel.hpp). Empty: in memory.
  std::string spool_dir;
  std::uint64_t spool_min_bytes = std::uint64_t{64} << 20;
};

/// Writes "troupe <what> listening on HOST:PORT"; returns false on failure.
bool announce_listening(const std::string& what, const Endpoint& bound,
                        const std::string& port_file);

}  // namespace troupe::actors
