#include "net/bulk_channel.hpp"

#include "net/socket_text.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <thread>

namespace troupe::net {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

int millis_until(Clock::time_point t) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1000 * 1000));
}

/// Waits until `fd` is ready for `events` or `deadline` passes; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int r = poll(&p, 1, millis_until(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the read or write report it
  }
}

std::uint64_t read_le64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void write_le64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

/// Writes all of `n` bytes (blocking socket with a send timeout); false on failure.
bool send_all(int fd, const char* data, std::size_t n, int flags) {
  while (n > 0) {
    const auto w = send(fd, data, n, flags | MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

/// Asks for transparent huge pages under the 2 MiB-aligned part of
/// [`data`, `data` + `n`): a fresh 100 MB buffer otherwise takes 25,600 page
/// faults as the socket fills it. Advice only (THP may be off).
void huge_pages(void* data, std::size_t n) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + n) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

/// The status byte of an answer: kept, refused, or refused for a ticket this
/// receiver never issued (the sender reached another process: it tries the
/// next address).
constexpr char kKept = 0;
constexpr char kRefused = 1;
constexpr char kUnknownTicket = 2;

/// Bytes the receiver zero-fills and reads at a time.
constexpr std::size_t kChunk = std::size_t{1} << 20;

struct BulkReceiver::Impl {
  struct Ticket {
    std::uint64_t size = 0;
    Clock::time_point lapses;  ///< dropped then, arrived or not (unless arriving)
    bool receiving = false;    ///< its block arrives or arrived
    bool done = false;
    bool withdrawn = false;            ///< dropped while arriving: its worker ends it
    int fd = -1;                       ///< the arriving block's connection
    std::vector<unsigned char> bytes;  ///< once done
  };
  struct Worker {
    std::thread thread;
    int fd = -1;          ///< -1 once the worker closed it (under mutex)
    std::string address;  ///< the peer's, without the port
    bool finished = false;
  };

  BulkReceiverOptions options;
  mutable std::mutex mutex;
  std::map<std::string, Ticket> tickets;
  std::list<Worker> workers;
  bool stopping = false;
  std::uint16_t port = 0;
  std::vector<std::string> hosts;
  BulkReceiverStats stats;
  std::size_t held = 0;  ///< tickets whose block arrives or arrived
  RefusalLog refusals;   ///< under mutex

  /// Logs a refusal, at most one line a second: a peer that opens
  /// connections again and again must not flood the log. The next line counts
  /// those left out.
  void log(const std::string& line) {
    if (!options.log) return;
    std::unique_lock<std::mutex> lock(mutex);
    const auto more = refusals.admit(Clock::now());
    lock.unlock();
    if (more) options.log(line + *more);
  }

  /// Drops the tickets that lapsed (under mutex).
  void purge(Clock::time_point now) {
    for (auto it = tickets.begin(); it != tickets.end();) {
      const bool arriving = it->second.receiving && !it->second.done;
      if (arriving || now < it->second.lapses) {
        ++it;
        continue;
      }
      if (it->second.receiving) --held;
      it = tickets.erase(it);
    }
  }

  /// Forgets ticket `it` (under mutex).
  /// A block still arriving keeps its place (it is in memory) until its
  /// worker, woken here, ends it.
  void drop(std::map<std::string, Ticket>::iterator it) {
    auto& t = it->second;
    if (t.receiving && !t.done) {
      t.withdrawn = true;
      if (t.fd >= 0) shutdown(t.fd, SHUT_RDWR);
      return;
    }
    if (t.receiving) --held;
    tickets.erase(it);
  }

  /// Joins the workers that have ended (under mutex).
  void reap() {
    for (auto it = workers.begin(); it != workers.end();) {
      if (!it->finished) {
        ++it;
        continue;
      }
      it->thread.join();
      it = workers.erase(it);
    }
  }

  /// Ends `w`'s connection, answering `status` (0: the block is kept) after
  /// the ticket it came with (none: no whole header came).
  void finish(Worker& w, int fd, const std::string& ticket, char status) {
    if (!ticket.empty()) {
      const auto answer = ticket + status;
      send_all(fd, answer.data(), answer.size(), 0);
    }
    std::lock_guard<std::mutex> lock(mutex);
    close(fd);
    w.fd = -1;
    w.finished = true;
  }

  void refuse(Worker& w, int fd, const std::string& ticket, const std::string& peer,
              const std::string& why, char status = kRefused) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++stats.refused;
    }
    log("data-plane connection from " + peer + " closed: " + why);
    finish(w, fd, ticket, status);
  }

  /// Reads up to `n` bytes into `dst` by `deadline`, and no later than a stall
  /// of stall_timeout_s; returns the bytes read, short on failure.
  std::size_t read_into(int fd, char* dst, std::size_t n, Clock::time_point deadline,
                        std::string* why) {
    std::size_t got = 0;
    auto last = Clock::now();
    while (got < n) {
      const auto until = std::min(deadline, last + seconds(options.stall_timeout_s));
      if (!wait_for(fd, POLLIN, until)) {
        *why = Clock::now() >= deadline ? "too slow (past its deadline)" : "stalled";
        return got;
      }
      const auto r = recv(fd, dst + got, n - got, 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        *why = r == 0 ? "closed by the peer" : std::strerror(errno);
        return got;
      }
      got += static_cast<std::size_t>(r);
      last = Clock::now();
    }
    return got;
  }

  void serve(Worker& w, int fd, std::string first) {
    const auto peer = peer_name(fd);
    set_nonblocking(fd, false);
    set_nodelay(fd);
    std::string why;
    const auto accepted = Clock::now();
    const auto have = first.size();
    if (have < kBulkHeaderSize) {
      first.resize(kBulkHeaderSize);
      const auto got = read_into(fd, first.data() + have, kBulkHeaderSize - have,
                                 accepted + seconds(options.header_timeout_s), &why);
      if (have + got < kBulkHeaderSize) return refuse(w, fd, {}, peer, "no whole header: " + why);
    }
    const std::string ticket = first.substr(sizeof kBulkMagic, kBulkTicketSize);
    const std::uint64_t size = read_le64(first.data() + sizeof kBulkMagic + kBulkTicketSize);
    const std::size_t early = first.size() - kBulkHeaderSize;  // bytes of the block read already
    char status = kRefused;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = tickets.find(ticket);
      if (it == tickets.end())
        why = "an unknown ticket";
      else if (Clock::now() >= it->second.lapses)
        why = "a lapsed ticket";
      else if (it->second.receiving)
        why = "a ticket used already";
      else if (it->second.size != size)
        why = "a block of " + std::to_string(size) + " bytes under a ticket for " +
              std::to_string(it->second.size);
      else if (early > size)
        why = "more bytes than announced";
      else if (held >= options.max_held)
        why = std::to_string(held) + " blocks are held or arriving";
      else {
        it->second.receiving = true;
        it->second.fd = fd;
        ++held;
      }
      if (it == tickets.end()) status = kUnknownTicket;
    }
    if (!why.empty()) return refuse(w, fd, ticket, peer, why, status);
    // The vector zero-fills what it grows by: a chunk at a time, each just
    // before the socket fills it, while the sender writes the next.
    std::vector<unsigned char> bytes;
    try {
      bytes.reserve(size);
    } catch (const std::exception&) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (auto it = tickets.find(ticket); it != tickets.end()) drop(it);
      }
      return refuse(w, fd, ticket, peer, "no memory for a block of " + mib(size));
    }
    huge_pages(bytes.data(), size);
    bytes.assign(first.begin() + static_cast<std::ptrdiff_t>(kBulkHeaderSize), first.end());
    first = std::string();
    const auto deadline = Clock::now() + seconds(options.stall_timeout_s) +
                          seconds(static_cast<double>(size) / options.min_rate);
    std::size_t got = early;
    while (got < size && why.empty()) {
      const auto n = std::min<std::size_t>(kChunk, size - got);
      bytes.resize(got + n);
      got += read_into(fd, reinterpret_cast<char*>(bytes.data()) + got, n, deadline, &why);
    }
    got -= early;
    bool kept = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = tickets.find(ticket);
      if (it != tickets.end()) it->second.fd = -1;  // closed below
      if (early + got == size && it != tickets.end() && !it->second.withdrawn) {
        it->second.done = true;
        it->second.bytes = std::move(bytes);
        ++stats.blocks;
        stats.bytes += size;
        kept = true;
      } else if (it != tickets.end()) {
        --held;  // the sender sends the bytes another way
        tickets.erase(it);
      }
    }
    if (kept) return finish(w, fd, ticket, kKept);
    if (why.empty()) why = "its ticket was withdrawn";
    refuse(w, fd, ticket, peer,
           "a block of " + mib(size) + " " + why + " after " + mib(early + got));
  }
};

BulkReceiver::BulkReceiver(BulkReceiverOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

BulkReceiver::~BulkReceiver() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    for (auto& w : impl_->workers)
      if (w.fd >= 0) shutdown(w.fd, SHUT_RDWR);
  }
  for (auto& w : impl_->workers)
    if (w.thread.joinable()) w.thread.join();
}

std::string BulkReceiver::expect(std::uint64_t size, double lifetime_s) {
  auto& im = *impl_;
  std::lock_guard<std::mutex> lock(im.mutex);
  const auto now = Clock::now();
  im.purge(now);
  if (im.tickets.size() >= im.options.max_tickets) return {};
  std::string ticket(kBulkTicketSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(ticket.data()), kBulkTicketSize) != 1) return {};
  auto& t = im.tickets[ticket];
  t.size = size;
  const double lifetime = lifetime_s > 0 ? lifetime_s : im.options.ticket_ttl_s;
  t.lapses = now + seconds(std::min(lifetime, 1e9));  // within the clock's range
  return ticket;
}

std::string BulkReceiver::take(const std::string& ticket, std::vector<unsigned char>& out) {
  auto& im = *impl_;
  std::lock_guard<std::mutex> lock(im.mutex);
  im.purge(Clock::now());
  auto it = im.tickets.find(ticket);
  if (it == im.tickets.end())
    return "no block is held under its ticket (none arrived, or it lapsed)";
  if (!it->second.done) {
    im.drop(it);
    return "its block had not all arrived";
  }
  out = std::move(it->second.bytes);
  im.drop(it);
  return {};
}

void BulkReceiver::forget(const std::string& ticket) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (auto it = impl_->tickets.find(ticket); it != impl_->tickets.end()) impl_->drop(it);
}

void BulkReceiver::adopt(int fd, std::string first) {
  auto& im = *impl_;
  const auto peer = peer_name(fd);
  const auto address = peer.substr(0, peer.rfind(':'));
  std::unique_lock<std::mutex> lock(im.mutex);
  im.reap();
  im.purge(Clock::now());
  std::string why;
  const auto from_peer = std::count_if(im.workers.begin(), im.workers.end(),
                                       [&](const Impl::Worker& w) { return w.address == address; });
  if (im.stopping)
    why = "shutting down";
  else if (static_cast<int>(im.workers.size()) >= im.options.max_connections)
    why = std::to_string(im.workers.size()) + " blocks are arriving";
  else if (from_peer >= im.options.max_connections_per_peer)
    why = std::to_string(from_peer) + " blocks are arriving from " + address;
  if (why.empty()) {
    auto& w = im.workers.emplace_back();
    w.fd = fd;
    w.address = address;
    try {
      w.thread = std::thread(
          [&im, &w, fd, first = std::move(first)]() mutable { im.serve(w, fd, std::move(first)); });
      return;
    } catch (const std::exception& e) {  // no thread to be had (EAGAIN)
      im.workers.pop_back();
      why = std::string("no thread for it: ") + e.what();
    }
  }
  ++im.stats.refused;
  lock.unlock();
  // Logged before the peer sees its connection end.
  im.log("data-plane connection from " + peer + " closed: " + why);
  close(fd);
}

void BulkReceiver::set_address(std::uint16_t port, std::vector<std::string> hosts) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->port = port;
  impl_->hosts = std::move(hosts);
}

std::uint16_t BulkReceiver::port() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->port;
}

std::vector<std::string> BulkReceiver::hosts() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->hosts;
}

BulkReceiverStats BulkReceiver::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto out = impl_->stats;
  out.connections =
      static_cast<std::uint64_t>(std::count_if(impl_->workers.begin(), impl_->workers.end(),
                                               [](const Impl::Worker& w) { return !w.finished; }));
  out.held = impl_->held;
  return out;
}

namespace {

/// Bytes of CAF's greeting a sender skips at most before the answer.
constexpr std::size_t kMostBeforeAnswer = std::size_t{64} << 10;
/// Seconds a sender waits for each address to take its connection.
constexpr double kMostConnectWait = 5.0;

/// A connected blocking socket to `host`:`port` within `timeout_s`, or -1 with `why`.
int connect_to(const std::string& host, std::uint16_t port, double timeout_s, std::string* why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto service = std::to_string(port);
  if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found)) {
    *why = host + ": " + gai_strerror(rc);
    return -1;
  }
  int out = -1;
  for (auto* a = found; a && out < 0; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int err = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        err = ETIMEDOUT;
        if (wait_for(fd, POLLOUT, Clock::now() + seconds(timeout_s))) {
          socklen_t len = sizeof err;
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        }
      }
    }
    if (err == 0) {
      out = fd;
    } else {
      *why = host + ":" + service + ": " + std::strerror(err);
      close(fd);
    }
  }
  freeaddrinfo(found);
  return out;
}

}  // namespace

std::string await_bulk_answer(int fd, const std::string& ticket, int* status) {
  if (status) *status = -1;
  // The guard may have relayed the start of CAF's own greeting before it
  // handed the connection over (a BASP server speaks first): what comes
  // before the ticket is skipped.
  std::string got;
  while (got.size() < kMostBeforeAnswer) {
    char buf[4096];
    const auto r = recv(fd, buf, sizeof buf, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return "no answer from the receiver";
    got.append(buf, static_cast<std::size_t>(r));
    const auto at = got.find(ticket);
    if (at == std::string::npos || at + kBulkTicketSize >= got.size()) continue;
    const char code = got[at + kBulkTicketSize];
    if (status) *status = code;
    if (code == kKept) return {};
    return code == kUnknownTicket ? "the receiver there did not issue this ticket"
                                  : "the receiver refused the block";
  }
  return "no answer from the receiver";
}

namespace {
/// The address that took the last block, by port: tried first next time.
std::mutex reached_mutex;
std::map<std::uint16_t, std::string> reached;
}  // namespace

std::string send_bulk(const std::vector<std::string>& hosts, std::uint16_t port,
                      const std::string& ticket, const unsigned char* data, std::size_t n,
                      double timeout_s) {
  if (ticket.size() != kBulkTicketSize) return "a malformed ticket";
  if (hosts.empty() || port == 0) return "no address to send to";
  auto order = hosts;
  {
    std::lock_guard<std::mutex> lock(reached_mutex);
    auto it = reached.find(port);
    auto known =
        it == reached.end() ? order.end() : std::find(order.begin(), order.end(), it->second);
    if (known != order.end()) std::rotate(order.begin(), known, known + 1);
  }
  // Each address in turn, until one takes the connection and knows the
  // ticket (another process may listen at the same address and port there).
  std::string why = "no address took the connection";
  for (const auto& host : order) {
    std::string refused;
    const int fd = connect_to(host, port, std::min(timeout_s, kMostConnectWait), &refused);
    if (fd < 0) {
      why = "cannot connect (" + refused + ")";
      continue;
    }
    set_nonblocking(fd, false);
    set_nodelay(fd);
    const double wait = std::max(timeout_s, 0.001);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(wait);
    tv.tv_usec = static_cast<suseconds_t>((wait - static_cast<double>(tv.tv_sec)) * 1e6);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char header[kBulkHeaderSize];
    std::memcpy(header, kBulkMagic, sizeof kBulkMagic);
    std::memcpy(header + sizeof kBulkMagic, ticket.data(), kBulkTicketSize);
    write_le64(header + sizeof kBulkMagic + kBulkTicketSize, n);
    const bool sent = send_all(fd, header, sizeof header, n > 0 ? MSG_MORE : 0) &&
                      send_all(fd, reinterpret_cast<const char*>(data), n, 0);
    // A receiver that refused mid-way may still have answered why.
    int status = -1;
    why = await_bulk_answer(fd, ticket, &status);
    close(fd);
    if (why.empty()) {
      std::lock_guard<std::mutex> lock(reached_mutex);
      reached[port] = host;
      return {};
    }
    if (!sent && status < 0) why = "the connection broke while sending";
    if (status == kRefused) break;  // the receiver that issued the ticket said no
    why = host + ": " + why;
  }
  return why;
}

namespace {
std::mutex registry_mutex;
std::weak_ptr<BulkReceiver> registry;
}  // namespace

void set_process_bulk_receiver(const std::shared_ptr<BulkReceiver>& receiver) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry = receiver;
}

std::shared_ptr<BulkReceiver> process_bulk_receiver() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  return registry.lock();
}

}  // namespace troupe::net
