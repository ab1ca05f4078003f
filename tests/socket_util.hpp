#pragma once
// TCP on loopback for tests that talk to a port directly: connecting, sending
// everything, waiting for the peer to close, a free port, and the BASP header
// CAF 0.17 frames messages with.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace troupe::test {

/// 127.0.0.1:`port` as a socket address.
inline sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

/// A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it).
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(0);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

/// A socket listening on 127.0.0.1 at a port of the kernel's choice, which
/// goes to `*port`; -1 when none could be had.
inline int listen_loopback(std::uint16_t* port, int backlog = 16) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, backlog) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

/// A TCP connection to 127.0.0.1:`port`, or -1.
inline int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const auto addr = loopback(port);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/// Sends all of `bytes`; stops early when the peer closes (which may be the point).
inline void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

/// Whether the peer closed `fd` within `limit` (reads and drops what comes).
inline bool closed_by_peer(int fd, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      char buf[256];
      if (recv(fd, buf, sizeof buf, 0) <= 0) return true;
    }
  }
  return false;
}

/// A BASP header (CAF 0.17: operation, 3 bytes, payload length, operation data,
/// two actor ids; big-endian) announcing `payload_len` bytes; operation 1 is a
/// client handshake.
inline std::string basp_header(std::uint32_t payload_len, std::uint8_t operation = 1) {
  std::string h(32, '\0');
  h[0] = static_cast<char>(operation);
  for (int i = 0; i < 4; ++i) h[4 + i] = static_cast<char>((payload_len >> (24 - 8 * i)) & 0xff);
  return h;
}

}  // namespace troupe::test
