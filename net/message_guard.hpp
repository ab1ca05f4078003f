#pragma once
/// \file
/// A message-size guard in front of CAF's BASP port.
///
/// CAF 0.17 has no maximum message size: a BASP header carries a 32-bit payload
/// length, and the receiving multiplexer allocates (and zero-fills) that much
/// before it reads the payload, so one forged header made a scheduler reserve
/// 4 GiB before any troupe code could look at the message. The guard owns the
/// public listening socket; CAF publishes on 127.0.0.1 only, and the guard
/// relays every accepted connection to it byte for byte, reading the BASP
/// framing (32-byte header, then `payload_len` bytes) of what peers send:
///
///  * a header announcing more than `max_message` bytes closes the connection
///    (logged with the peer's address) before CAF sees it, and so does a
///    handshake header announcing no payload (CAF 0.17.6 crashes on it);
///  * the payloads announced by all connections' incomplete messages together
///    stay within `max_in_flight`: a header that would exceed it is held back
///    (that connection is not read) until earlier messages complete, so many
///    peers announcing large messages at once cannot add up either; a single
///    message within `max_message` always passes when nothing else is in flight;
///  * a connection whose announced message stops progressing for
///    `stall_timeout_s` is closed, releasing its share;
///  * slow peers cannot hold a connection by dribbling bytes (a slow-loris
///    attack): a connection must complete its first message (BASP's handshake)
///    within `handshake_timeout_s` of being accepted, a header must complete
///    within `stall_timeout_s` of its first byte, and an announced payload
///    within `stall_timeout_s` plus its size at `min_rate` bytes per second;
///  * at most `max_connections` connections are relayed at a time, at most
///    `max_connections_per_peer` of them from one address, so that one host
///    cannot take every slot.
///
/// Memory the guard itself holds is bounded by its buffers (1 MiB per
/// direction and connection). With TLS options the guard also terminates TLS
/// (OpenSSL, peer certificates required), so the limits apply to encrypted
/// connections too and CAF only ever sees plain BASP on loopback; see
/// docs/security.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace troupe::actors {

struct MessageGuardOptions {
  std::string host;                 ///< address to listen on; empty or "0.0.0.0": every IPv4 one
  std::uint16_t port = 0;           ///< 0: the system chooses
  std::uint16_t upstream_port = 0;  ///< CAF's BASP port on 127.0.0.1
  std::uint64_t max_message = std::uint64_t{1040} << 20;    ///< payload bytes of one message
  std::uint64_t max_in_flight = std::uint64_t{2080} << 20;  ///< announced bytes, all connections
  double stall_timeout_s = 30.0;
  /// Bytes per second an announced payload must average (after the
  /// `stall_timeout_s` of grace): 1 MiB may take 30 + 256 s. Far below any
  /// real link, even one that loses 30 % of its packets.
  double min_rate = 4096.0;
  int max_connections = 1024;
  int max_connections_per_peer = 256;  ///< connections from one IP address
  /// TLS, terminated by the guard (PEM files): peers must present a
  /// certificate signed by `tls_ca`. All three or none (plain TCP).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  /// Connections that have not completed their TLS handshake (with TLS) and
  /// their first BASP message within this many seconds are dropped.
  double handshake_timeout_s = 10.0;
  /// Receives one line per refused message or connection (no newline).
  std::function<void(const std::string&)> log;
  /// Takes over a connection whose first bytes are net::kBulkMagic (the
  /// data plane, net/bulk_channel.hpp), with the bytes read from it so far.
  /// Unset (and always under TLS): such bytes go to CAF like any others.
  std::function<void(int fd, std::string first)> bulk;
  /// Called from the guard's thread about once a second, busy or idle (the
  /// data plane drops its lapsed tickets then: BulkReceiver::purge_lapsed).
  std::function<void()> tick;
  /// Called once per refused message or connection (every one, also those
  /// the log leaves out) with a short reason: "malformed", "too_large",
  /// "tls", "slow" or "connections" (a limit on open connections).
  std::function<void(const std::string&)> refused;
};

struct MessageGuardStats {
  std::uint64_t connections = 0;       ///< accepted so far
  std::uint64_t refused = 0;           ///< connections closed for a limit
  std::uint64_t bytes_from_peers = 0;  ///< relayed towards CAF
  std::uint64_t bytes_to_peers = 0;    ///< relayed from CAF
  std::uint64_t in_flight = 0;         ///< announced bytes of incomplete messages now
};

class MessageGuard {
 public:
  /// Binds the listening socket and starts the relay thread; throws
  /// std::runtime_error (naming the address) when it cannot listen.
  explicit MessageGuard(MessageGuardOptions options);
  ~MessageGuard();  ///< stops the thread and closes every connection
  MessageGuard(const MessageGuard&) = delete;
  MessageGuard& operator=(const MessageGuard&) = delete;

  std::uint16_t port() const;  ///< the bound port
  MessageGuardStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The BASP header size the guard parses (checked against CAF's at compile time).
inline constexpr std::size_t kBaspHeaderSize = 32;

}  // namespace troupe::actors
