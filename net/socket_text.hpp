#pragma once
/// \file
/// Small pieces the message guard and the data plane share: socket options,
/// a peer's name and sizes as text, and a log that lets one line a second
/// through. Internal to net/.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace troupe::net {

inline void set_nonblocking(int fd, bool on) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags >= 0) fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

inline void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// "ADDRESS:PORT" of `addr` ("?" for a family other than IPv4 and IPv6).
inline std::string peer_name(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  std::uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
    port = ntohs(a.sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

/// The peer of connected socket `fd`, as peer_name() writes it.
inline std::string peer_name(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?:0";
  return peer_name(addr);
}

inline std::string mib(std::uint64_t bytes) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return out;
}

/// Lets at most one refusal line a second through: a peer that opens
/// connections again and again must not flood the log. Not thread-safe.
class RefusalLog {
 public:
  /// The suffix to append to a line logged now (counting those left out
  /// since the last one), or none when this line is left out.
  std::optional<std::string> admit(std::chrono::steady_clock::time_point now) {
    if (now - last_ < std::chrono::seconds(1)) {
      ++left_out_;
      return std::nullopt;
    }
    std::string more;
    if (left_out_ > 0)
      more = " (and " + std::to_string(left_out_) + " more refused since the last line)";
    last_ = now;
    left_out_ = 0;
    return more;
  }

 private:
  std::chrono::steady_clock::time_point last_;
  std::uint64_t left_out_ = 0;
};

}  // namespace troupe::net
