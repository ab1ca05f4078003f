#include "net/message_guard.hpp"

#include "net/bulk_channel.hpp"
#include "net/socket_text.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <caf/io/basp/header.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace troupe::actors {

static_assert(caf::io::basp::header_size == kBaspHeaderSize,
              "CAF's BASP header changed: update the guard's parser");

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kBufferCap = 1024 * 1024;  ///< per direction and connection

/// Bytes in transit one way through a connection, at most kBufferCap. Reads
/// land in the free tail and sends leave from the front, so nothing is
/// zero-filled or shifted per read (a vector resized to the cap before each
/// read cleared 1 MiB every time, the guard's largest cost at 50 nodes).
class ByteQueue {
 public:
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  const char* data() const { return buf_.get() + begin_; }
  /// Contiguous free bytes at tail(): moves what is queued to the front
  /// when that frees at least half the buffer.
  std::size_t room() {
    if (begin_ > 0 && (begin_ >= kBufferCap / 2 || end_ == kBufferCap)) {
      std::memmove(buf_.get(), buf_.get() + begin_, size());
      end_ -= begin_;
      begin_ = 0;
    }
    return kBufferCap - end_;
  }
  char* tail() {
    if (!buf_) buf_.reset(new char[kBufferCap]);  // uninitialised on purpose
    return buf_.get() + end_;
  }
  void grow(std::size_t n) { end_ += n; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }

 private:
  std::unique_ptr<char[]> buf_;
  std::size_t begin_ = 0, end_ = 0;
};

/// A non-blocking pipe for splicing one direction of a connection, sized to
/// kBufferCap where the system allows (else its default); false when no pipe
/// can be made (out of descriptors), and the caller copies instead.
bool open_pipe(int& read_end, int& write_end) {
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  read_end = p[0];
  write_end = p[1];
  fcntl(write_end, F_SETPIPE_SZ, static_cast<int>(kBufferCap));
  return true;
}

/// BASP's operation codes of the two handshakes (caf/io/basp/message_type.hpp).
constexpr unsigned char kServerHandshake = 0x00;
constexpr unsigned char kClientHandshake = 0x01;

/// A relayed connection: peer (client) <-> CAF (upstream).
struct Connection {
  int client = -1;
  int upstream = -1;
  std::string peer;
  std::string address;             ///< the peer's IP address, without the port
  ByteQueue in;                    ///< from the peer; its first `cleared` bytes may go to CAF
  std::size_t cleared = 0;         ///< parsed and within the limits
  ByteQueue down;                  ///< from CAF, not yet written to the peer (TLS, or no pipe)
  std::uint64_t payload_left = 0;  ///< of the message whose header was cleared
  std::uint64_t reserved = 0;      ///< its share of the in-flight budget
  Clock::time_point last_progress = Clock::now();
  Clock::time_point deadline;  ///< the message in flight must be complete by then
  bool in_header = false;      ///< part of a header has arrived, since header_start
  Clock::time_point header_start;
  bool messaged = false;    ///< a whole message has arrived (BASP's handshake)
  bool sorted = false;      ///< its first bytes were told from the data plane's
  SSL* ssl = nullptr;       ///< with TLS
  bool handshaken = false;  ///< TLS handshake done (always true without TLS)
  bool want_write = false;  ///< OpenSSL waits for the peer's socket to take bytes
  Clock::time_point accepted = Clock::now();
  int pipe_r = -1;  ///< payload bytes go peer -> pipe -> CAF (splice)
  int pipe_w = -1;
  std::size_t piped = 0;  ///< bytes in the pipe
  int down_r = -1;        ///< CAF -> pipe -> peer (splice), without TLS
  int down_w = -1;
  std::size_t down_piped = 0;  ///< bytes in that pipe
  bool no_down_pipe = false;   ///< pipe2 failed: copy instead
  bool client_eof = false;
  bool upstream_eof = false;
  bool dead = false;
};

void close_connection(Connection& c) {
  if (c.ssl) SSL_free(c.ssl);
  c.ssl = nullptr;
  for (int fd : {c.client, c.upstream, c.pipe_r, c.pipe_w, c.down_r, c.down_w})
    if (fd >= 0) close(fd);
}

/// OpenSSL's queued errors as text (and clears the queue).
std::string tls_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "connection closed during the handshake" : out;
}

}  // namespace

struct MessageGuard::Impl {
  MessageGuardOptions options;
  SSL_CTX* tls = nullptr;
  int listener = -1;
  int wake[2] = {-1, -1};
  std::uint16_t bound_port = 0;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::list<Connection> connections;
  mutable std::mutex stats_mutex;
  MessageGuardStats stats;
  std::uint64_t in_flight = 0;
  net::RefusalLog refusal_log;  ///< refusals at accept

  ~Impl() {
    if (tls) SSL_CTX_free(tls);
  }

  void log(const std::string& line) {
    if (options.log) options.log(line);
  }

  void count_refusal(const char* reason) {
    if (options.refused) options.refused(reason);
  }

  void refuse(Connection& c, const char* reason, const std::string& why) {
    count_refusal(reason);
    log("connection from " + c.peer + " closed: " + why);
    c.dead = true;
    std::lock_guard<std::mutex> lock(stats_mutex);
    ++stats.refused;
  }

  void release(Connection& c) {
    in_flight -= c.reserved;
    c.reserved = 0;
  }

  void message_done(Connection& c) {
    release(c);
    c.messaged = true;
  }

  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  /// Why `c` must be closed now for being too slow (empty: it may stay). A
  /// header held back by the in-flight budget waits for the guard, not the
  /// peer, and counts against no limit here.
  std::string overdue(const Connection& c, Clock::time_point now) const {
    const auto& o = options;
    const bool held = c.payload_left == 0 && c.in.size() - c.cleared >= kBaspHeaderSize;
    if (!c.handshaken && now - c.accepted > seconds(o.handshake_timeout_s))
      return "no TLS handshake within " + std::to_string(o.handshake_timeout_s) + " s";
    if (!c.messaged && !held && now - c.accepted > seconds(o.handshake_timeout_s))
      return "no whole message within " + std::to_string(o.handshake_timeout_s) +
             " s of connecting (a slow or silent peer)";
    if (c.in_header && now - c.header_start > seconds(o.stall_timeout_s))
      return "a message header still incomplete after " + std::to_string(o.stall_timeout_s) +
             " s (a peer dribbling bytes)";
    if (c.reserved > 0 && now - c.last_progress > seconds(o.stall_timeout_s))
      return "a message stalled for " + std::to_string(o.stall_timeout_s) + " s with " +
             net::mib(c.payload_left) + " of it missing";
    if (c.reserved > 0 && now > c.deadline)
      return "a message of " + net::mib(c.reserved) + " still had " + net::mib(c.payload_left) +
             " missing past its deadline (under " + std::to_string(o.min_rate / 1024.0) +
             " KiB/s: a peer dribbling bytes)";
    return {};
  }

  /// Clears what may go to CAF: whole headers within the limits and the
  /// payload bytes they announced.
  void parse(Connection& c) {
    if (!c.sorted && !sort(c)) return;
    while (!c.dead) {
      const std::size_t avail = c.in.size() - c.cleared;
      if (avail == 0) return;
      if (c.payload_left > 0) {
        const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(avail, c.payload_left));
        c.cleared += k;
        c.payload_left -= k;
        if (c.payload_left == 0) message_done(c);
        continue;
      }
      if (avail < kBaspHeaderSize) {
        if (!c.in_header) c.header_start = Clock::now();
        c.in_header = true;
        return;
      }
      const auto* h = reinterpret_cast<const unsigned char*>(c.in.data() + c.cleared);
      const std::uint64_t len = (std::uint64_t{h[4]} << 24) | (std::uint64_t{h[5]} << 16) |
                                (std::uint64_t{h[6]} << 8) | std::uint64_t{h[7]};
      // CAF 0.17.6 dereferences the missing payload of a handshake announcing
      // none: 32 bytes from anyone crashed the process (SIGSEGV in
      // basp::instance::handle). Both handshakes always carry a node id.
      if (len == 0 && (h[0] == kServerHandshake || h[0] == kClientHandshake)) {
        refuse(c, "malformed", "a BASP handshake without payload (malformed)");
        return;
      }
      if (len > options.max_message) {
        refuse(c, "too_large",
               "a message announces " + net::mib(len) + ", over the limit of " +
                   net::mib(options.max_message) + " (--max-message)");
        return;
      }
      if (len > 0) {
        // Held back until earlier messages complete (one always passes alone).
        if (in_flight > 0 && in_flight + len > options.max_in_flight) return;
        in_flight += len;
        c.reserved = len;
        c.last_progress = Clock::now();
        c.deadline = c.last_progress + seconds(options.stall_timeout_s) +
                     seconds(static_cast<double>(len) / options.min_rate);
      } else {
        c.messaged = true;
      }
      c.in_header = false;
      c.cleared += kBaspHeaderSize;
      c.payload_left = len;
    }
  }

  /// Tells a data-plane connection (net/bulk_channel.hpp) from BASP by its
  /// first bytes and hands it over. True when the connection is BASP.
  bool sort(Connection& c) {
    if (!options.bulk || tls) return c.sorted = true;
    const auto k = std::min(c.in.size(), sizeof net::kBulkMagic);
    if (k == 0) return false;
    if (std::memcmp(c.in.data(), net::kBulkMagic, k) != 0) return c.sorted = true;
    if (k < sizeof net::kBulkMagic) return false;  // the handshake timeout bounds the wait
    const int fd = c.client;
    std::string first(c.in.data(), c.in.size());
    c.in.consume(c.in.size());
    c.client = -1;
    c.dead = true;  // the upstream connection CAF saw open closes with it, unused
    options.bulk(fd, std::move(first));
    return false;
  }

  /// Logs a connection refused as it arrives, at most one line a second: a
  /// flood of connections (a slow-loris client opening them again and again)
  /// would otherwise flood the log. The next line counts those not logged.
  void refused_at_accept(const std::string& peer, const std::string& why) {
    count_refusal("connections");
    {
      std::lock_guard<std::mutex> lock(stats_mutex);
      ++stats.refused;
    }
    if (const auto more = refusal_log.admit(Clock::now()))
      log("connection from " + peer + " refused: " + why + *more);
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd =
          accept4(listener, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or a transient error: poll again
      const auto peer = net::peer_name(addr);
      const auto address = peer.substr(0, peer.rfind(':'));
      const auto from_peer =
          std::count_if(connections.begin(), connections.end(),
                        [&](const Connection& c) { return c.address == address; });
      std::string full;
      if (static_cast<int>(connections.size()) >= options.max_connections)
        full = std::to_string(options.max_connections) + " connections are open";
      else if (from_peer >= options.max_connections_per_peer)
        full = std::to_string(from_peer) + " connections from " + address + " are open";
      if (!full.empty()) {
        refused_at_accept(peer, full);
        close(fd);
        continue;
      }
      const int up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in target{};
      target.sin_family = AF_INET;
      target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      target.sin_port = htons(options.upstream_port);
      if (up < 0 || connect(up, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
        log("connection from " + peer + " dropped: cannot reach the local BASP port " +
            std::to_string(options.upstream_port) + ": " + std::strerror(errno));
        if (up >= 0) close(up);
        close(fd);
        continue;
      }
      net::set_nonblocking(up, true);
      net::set_nodelay(up);
      net::set_nodelay(fd);
      Connection c;
      c.client = fd;
      c.upstream = up;
      c.peer = peer;
      c.address = address;
      c.handshaken = tls == nullptr;
      if (tls) {
        c.ssl = SSL_new(tls);
        if (!c.ssl || SSL_set_fd(c.ssl, fd) != 1) {
          log("connection from " + peer + " dropped: " + tls_errors());
          close_connection(c);
          continue;
        }
        SSL_set_accept_state(c.ssl);
      }
      connections.push_back(std::move(c));
      std::lock_guard<std::mutex> lock(stats_mutex);
      ++stats.connections;
    }
  }

  /// Moves checked payload bytes kernel-side (splice through a pipe), without
  /// copying them through the guard. Returns false when the copying path
  /// must run instead (a header is due, or bytes wait in `in`).
  bool splice_payload(Connection& c) {
    if (c.piped > 0 && !flush_pipe(c)) return true;
    if (c.payload_left == 0 || !c.in.empty() || c.client_eof) return false;
    if (c.pipe_r < 0 && !open_pipe(c.pipe_r, c.pipe_w)) return false;
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(c.payload_left, kBufferCap));
    const auto n =
        splice(c.client, nullptr, c.pipe_w, nullptr, want, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      c.client_eof = true;
      return true;
    }
    if (n < 0) return true;  // nothing to read now
    c.piped += static_cast<std::size_t>(n);
    c.payload_left -= static_cast<std::uint64_t>(n);
    if (c.payload_left == 0) message_done(c);
    c.last_progress = Clock::now();
    flush_pipe(c);
    return true;
  }

  /// Writes what the pipe holds to CAF; true when the pipe is empty.
  bool flush_pipe(Connection& c) {
    while (c.piped > 0) {
      const auto n = splice(c.pipe_r, nullptr, c.upstream, nullptr, c.piped,
                            SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n > 0) {
        c.piped -= static_cast<std::size_t>(n);
        c.last_progress = Clock::now();
        std::lock_guard<std::mutex> lock(stats_mutex);
        stats.bytes_from_peers += static_cast<std::uint64_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) c.dead = true;
      return false;
    }
    return true;
  }

  /// Moves bytes both ways as far as the sockets and buffers allow.
  void pump(Connection& c) {
    if (!c.handshaken && !handshake(c)) return;
    if (c.ssl || !splice_payload(c)) copy_up(c);
    if (!c.dead) copy_down(c);
    // A peer that left: what it sent completely has gone on; the rest is dropped.
    if (c.client_eof && c.cleared == 0 && c.piped == 0) c.dead = true;
    if (c.upstream_eof && c.down.empty() && c.down_piped == 0) c.dead = true;
  }

  /// Advances a TLS handshake; true once it is done.
  bool handshake(Connection& c) {
    ERR_clear_error();
    const int r = SSL_accept(c.ssl);
    if (r == 1) {
      c.handshaken = true;
      c.want_write = false;
      c.last_progress = Clock::now();
      return true;
    }
    const int e = SSL_get_error(c.ssl, r);
    c.want_write = e == SSL_ERROR_WANT_WRITE;
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      refuse(c, "tls", "TLS handshake failed: " + tls_errors());
    return false;
  }

  /// Reads decrypted bytes into `in`.
  void read_tls(Connection& c) {
    while (!c.client_eof && c.in.size() < kBufferCap) {
      const auto room = c.in.room();
      ERR_clear_error();
      const int n = SSL_read(c.ssl, c.in.tail(), static_cast<int>(room));
      if (n > 0) c.in.grow(static_cast<std::size_t>(n));
      if (n > 0) {
        c.last_progress = Clock::now();
        continue;
      }
      const int e = SSL_get_error(c.ssl, n);
      if (e == SSL_ERROR_WANT_READ) return;
      if (e == SSL_ERROR_WANT_WRITE) {
        c.want_write = true;
        return;
      }
      c.client_eof = true;  // closed (SSL_ERROR_ZERO_RETURN) or broken
      ERR_clear_error();
    }
  }

  /// Peer -> CAF through `in`: headers are checked here.
  void copy_up(Connection& c) {
    if (c.ssl) {
      read_tls(c);
    } else if (!c.client_eof && c.in.size() < kBufferCap) {
      const auto room = c.in.room();
      const auto n = recv(c.client, c.in.tail(), room, 0);
      if (n > 0) c.in.grow(static_cast<std::size_t>(n));
      if (n == 0) c.client_eof = true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) c.client_eof = true;
      if (n > 0) c.last_progress = Clock::now();
    }
    parse(c);
    if (c.cleared > 0) {  // refused or not, what passed the checks goes on
      const auto n = send(c.upstream, c.in.data(), c.cleared, MSG_NOSIGNAL);
      if (n > 0) {
        c.in.consume(static_cast<std::size_t>(n));
        c.cleared -= static_cast<std::size_t>(n);
        c.last_progress = Clock::now();
        std::lock_guard<std::mutex> lock(stats_mutex);
        stats.bytes_from_peers += static_cast<std::uint64_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        c.dead = true;
      }
    }
  }

  /// CAF -> peer: spliced through a pipe without TLS, else copied.
  void copy_down(Connection& c) {
    if (!c.ssl && splice_down(c)) return;
    if (!c.upstream_eof && c.down.size() < kBufferCap) {
      const auto room = c.down.room();
      const auto n = recv(c.upstream, c.down.tail(), room, 0);
      if (n > 0) c.down.grow(static_cast<std::size_t>(n));
      if (n == 0) c.upstream_eof = true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) c.upstream_eof = true;
    }
    if (!c.down.empty()) {
      const auto pending = c.down.size();
      ssize_t n = 0;
      if (c.ssl) {
        ERR_clear_error();
        const int w = SSL_write(c.ssl, c.down.data(),
                                static_cast<int>(std::min<std::size_t>(pending, 1 << 30)));
        c.want_write = false;
        if (w > 0) {
          n = w;
        } else {
          const int e = SSL_get_error(c.ssl, w);
          c.want_write = e == SSL_ERROR_WANT_WRITE;
          errno = (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) ? EAGAIN : EPIPE;
          n = -1;
          ERR_clear_error();
        }
      } else {
        n = send(c.client, c.down.data(), pending, MSG_NOSIGNAL);
      }
      if (n > 0) {
        c.down.consume(static_cast<std::size_t>(n));
        std::lock_guard<std::mutex> lock(stats_mutex);
        stats.bytes_to_peers += static_cast<std::uint64_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        c.dead = true;
      }
    }
  }

  /// CAF -> pipe -> peer, kernel-side: nothing from CAF needs checking.
  /// False when the copying path must run (no pipe could be made).
  bool splice_down(Connection& c) {
    if (c.no_down_pipe || !c.down.empty()) return false;
    if (c.down_r < 0 && !open_pipe(c.down_r, c.down_w)) {
      c.no_down_pipe = true;  // out of descriptors: this connection copies
      return false;
    }
    if (!c.upstream_eof && c.down_piped < kBufferCap) {
      const auto n = splice(c.upstream, nullptr, c.down_w, nullptr, kBufferCap - c.down_piped,
                            SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n > 0) c.down_piped += static_cast<std::size_t>(n);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) c.upstream_eof = true;
    }
    while (c.down_piped > 0) {
      const auto n = splice(c.down_r, nullptr, c.client, nullptr, c.down_piped,
                            SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n > 0) {
        c.down_piped -= static_cast<std::size_t>(n);
        std::lock_guard<std::mutex> lock(stats_mutex);
        stats.bytes_to_peers += static_cast<std::uint64_t>(n);
        continue;
      }
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) c.dead = true;
      break;
    }
    return true;
  }

  void run() {
    std::vector<pollfd> fds;
    auto ticked = Clock::now();
    while (!stop.load()) {
      int timeout_ms = 100;
      fds.clear();
      fds.push_back({wake[0], POLLIN, 0});
      fds.push_back({listener, POLLIN, 0});
      for (auto& c : connections) {
        short client_events = 0, upstream_events = 0;
        if (!c.handshaken || (!c.client_eof && c.in.size() < kBufferCap && c.piped == 0))
          client_events |= POLLIN;
        if (!c.down.empty() || c.down_piped > 0 || c.want_write) client_events |= POLLOUT;
        // Bytes OpenSSL has decrypted already raise no poll event: come back at once.
        if (c.ssl && c.handshaken && SSL_pending(c.ssl) > 0 && c.in.size() < kBufferCap)
          timeout_ms = 0;
        if (!c.upstream_eof && c.down.size() + c.down_piped < kBufferCap) upstream_events |= POLLIN;
        if (c.cleared > 0 || c.piped > 0) upstream_events |= POLLOUT;
        fds.push_back({c.client, client_events, 0});
        fds.push_back({c.upstream, upstream_events, 0});
      }
      if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
      if (fds[0].revents & POLLIN) {
        char drain[64];
        while (read(wake[0], drain, sizeof drain) > 0) {
        }
      }
      std::size_t i = 2;
      for (auto& c : connections) {
        const bool active = fds[i].revents || fds[i + 1].revents ||
                            (c.ssl && c.handshaken && SSL_pending(c.ssl) > 0);
        i += 2;
        if (active) pump(c);
      }
      if (fds[1].revents & POLLIN) accept_all();
      // Budget released above may let held headers through.
      const auto now = Clock::now();
      if (options.tick && now - ticked >= std::chrono::seconds(1)) {
        ticked = now;
        try {
          options.tick();
        } catch (const std::exception& e) {
          log(std::string("a periodic task failed: ") + e.what());
        } catch (...) {
          log("a periodic task failed");
        }
      }
      for (auto& c : connections) {
        if (c.dead) continue;
        if (c.cleared == 0 && c.in.size() >= kBaspHeaderSize && c.payload_left == 0) pump(c);
        if (c.dead) continue;
        if (const auto why = overdue(c, now); !why.empty()) refuse(c, "slow", why);
      }
      for (auto it = connections.begin(); it != connections.end();) {
        if (!it->dead) {
          ++it;
          continue;
        }
        release(*it);
        close_connection(*it);
        it = connections.erase(it);
      }
      std::lock_guard<std::mutex> lock(stats_mutex);
      stats.in_flight = in_flight;
    }
    for (auto& c : connections) close_connection(c);
    connections.clear();
  }
};

MessageGuard::MessageGuard(MessageGuardOptions options) : impl_(std::make_unique<Impl>()) {
  auto& im = *impl_;
  im.options = std::move(options);
  const auto& o = im.options;
  if (!o.tls_cert.empty() || !o.tls_key.empty() || !o.tls_ca.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty() || o.tls_ca.empty())
      throw std::runtime_error("TLS needs a certificate, a key and a CA");
    ERR_clear_error();
    im.tls = SSL_CTX_new(TLS_server_method());
    const bool ok = im.tls && SSL_CTX_set_min_proto_version(im.tls, TLS1_2_VERSION) == 1 &&
                    SSL_CTX_use_certificate_chain_file(im.tls, o.tls_cert.c_str()) == 1 &&
                    SSL_CTX_use_PrivateKey_file(im.tls, o.tls_key.c_str(), SSL_FILETYPE_PEM) == 1 &&
                    SSL_CTX_check_private_key(im.tls) == 1 &&
                    SSL_CTX_load_verify_locations(im.tls, o.tls_ca.c_str(), nullptr) == 1;
    if (!ok) {
      const auto why = tls_errors();  // ~Impl frees the context
      throw std::runtime_error("TLS set-up failed: " + why);
    }
    SSL_CTX_set_verify(im.tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_mode(im.tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  const auto& host = im.options.host;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const bool any = host.empty() || host == "0.0.0.0";
  const std::string port = std::to_string(im.options.port);
  if (any) hints.ai_family = AF_INET;
  if (const int rc = getaddrinfo(any ? nullptr : host.c_str(), port.c_str(), &hints, &found))
    throw std::runtime_error("cannot listen on " + host + ":" + port + ": " + gai_strerror(rc));
  std::string why = "no address";
  for (auto* a = found; a && im.listener < 0; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
      im.listener = fd;
    } else {
      why = std::strerror(errno);
      close(fd);
    }
  }
  freeaddrinfo(found);
  if (im.listener < 0)
    throw std::runtime_error("cannot listen on " + host + ":" + port + ": " + why);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(im.listener, reinterpret_cast<sockaddr*>(&bound), &len);
  im.bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                        : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  if (pipe2(im.wake, O_NONBLOCK | O_CLOEXEC) != 0) {
    close(im.listener);
    throw std::runtime_error(std::string("message guard: pipe: ") + std::strerror(errno));
  }
  im.thread = std::thread([&im] { im.run(); });
}

MessageGuard::~MessageGuard() {
  impl_->stop = true;
  const char x = 1;
  [[maybe_unused]] auto ignored = write(impl_->wake[1], &x, 1);
  if (impl_->thread.joinable()) impl_->thread.join();
  close(impl_->listener);
  close(impl_->wake[0]);
  close(impl_->wake[1]);
}

std::uint16_t MessageGuard::port() const {
  return impl_->bound_port;
}

MessageGuardStats MessageGuard::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace troupe::actors
