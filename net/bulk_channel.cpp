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
#include <cmath>
#include <cstring>
#include <functional>
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
    double keep_s = 0.0;       ///< once arrived, kept at least this long (expect())
    bool receiving = false;    ///< its block arrives or arrived
    bool done = false;
    bool withdrawn = false;               ///< dropped while arriving: its worker ends it
    int fd = -1;                          ///< the arriving block's connection
    std::vector<unsigned char> bytes;     ///< once done, unless spooled
    std::shared_ptr<int> spool;           ///< once done: the file holding it (spool_dir)
    bool lent = false;                    ///< lend(): the block is sent, not received
    std::shared_ptr<const void> owner;    ///< lent: keeps `data` alive
    const unsigned char* data = nullptr;  ///< lent: the block
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
  /// Blocks lent (by their owner), with their tickets and fetches in progress.
  std::map<const void*, int> loans;
  RefusalLog refusals;  ///< under mutex

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

  /// Tickets taken out under the mutex, so that their blocks (bytes that
  /// arrived, or the last reference to a lent model) are freed after it is
  /// released: declared before the lock, destroyed after it.
  using Dropped = std::vector<Ticket>;

  /// Drops the tickets that lapsed into `dropped` (under mutex).
  void purge(Clock::time_point now, Dropped& dropped) {
    for (auto it = tickets.begin(); it != tickets.end();) {
      const bool arriving = it->second.receiving && !it->second.done;
      if (arriving || now < it->second.lapses) {
        ++it;
        continue;
      }
      dropped.push_back(std::move(it->second));  // first: it may throw
      const auto& t = dropped.back();
      if (t.receiving) --held;
      if (t.lent) end_loan(t.owner.get());
      it = tickets.erase(it);
    }
  }

  /// A new ticket for `size` bytes, or "" when max_tickets wait (under mutex).
  std::string issue(std::uint64_t size, double lifetime_s, double keep_s = 0.0) {
    if (tickets.size() >= options.max_tickets) return {};
    std::string ticket(kBulkTicketSize, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(ticket.data()), kBulkTicketSize) != 1)
      return {};
    auto& t = tickets[ticket];
    t.size = size;
    const double lifetime = lifetime_s > 0 ? lifetime_s : options.ticket_ttl_s;
    t.lapses = Clock::now() + seconds(std::min(lifetime, 1e9));  // within the clock's range
    t.keep_s = std::min(std::max(keep_s, 0.0), 1e9);
    return ticket;
  }

  /// Lent tickets waiting and fetches in progress (under mutex).
  std::size_t loans_out() const {
    std::size_t n = 0;
    for (const auto& [owner, count] : loans) n += static_cast<std::size_t>(count);
    return n;
  }

  /// One ticket or fetch of the block of `owner` ended (under mutex).
  void end_loan(const void* owner) {
    auto it = loans.find(owner);
    if (it != loans.end() && --it->second <= 0) loans.erase(it);
  }

  /// Forgets ticket `it` (under mutex).
  /// A block still arriving keeps its place (it is in memory) until its
  /// worker, woken here, ends it.
  void drop(std::map<std::string, Ticket>::iterator it, Dropped& dropped) {
    auto& t = it->second;
    if (t.receiving && !t.done) {
      t.withdrawn = true;
      if (t.fd >= 0) shutdown(t.fd, SHUT_RDWR);
      return;
    }
    dropped.push_back(std::move(t));  // first: it may throw
    const auto& gone = dropped.back();
    if (gone.receiving) --held;
    if (gone.lent) end_loan(gone.owner.get());
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

  /// Writes up to `n` bytes from `src` by `deadline`, and no later than a
  /// stall of stall_timeout_s; returns the bytes written, short on failure.
  std::size_t write_from(int fd, const char* src, std::size_t n, Clock::time_point deadline,
                         std::string* why) {
    std::size_t put = 0;
    auto last = Clock::now();
    while (put < n) {
      const auto until = std::min(deadline, last + seconds(options.stall_timeout_s));
      if (!wait_for(fd, POLLOUT, until)) {
        *why = Clock::now() >= deadline ? "too slow (past its deadline)" : "stalled";
        return put;
      }
      const auto r = send(fd, src + put, n - put, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        *why = r == 0 ? "closed by the peer" : std::strerror(errno);
        return put;
      }
      put += static_cast<std::size_t>(r);
      last = Clock::now();
    }
    return put;
  }

  /// Sends the answer and then lent block `data` of `size` bytes (kept alive
  /// by `owner` until then), and ends the connection.
  void lend_out(Worker& w, int fd, const std::string& ticket, const std::string& peer,
                std::shared_ptr<const void> owner, const unsigned char* data, std::uint64_t size) {
    std::string why;
    const auto answer = ticket + kKept;
    const auto deadline = Clock::now() + seconds(options.stall_timeout_s) +
                          seconds(static_cast<double>(size) / options.min_rate);
    std::size_t sent = 0;
    if (write_from(fd, answer.data(), answer.size(), deadline, &why) == answer.size())
      sent = write_from(fd, reinterpret_cast<const char*>(data), size, deadline, &why);
    {
      std::lock_guard<std::mutex> lock(mutex);
      end_loan(owner.get());
      if (sent == size) {
        ++stats.lent;
        stats.lent_bytes += size;
      }
    }
    owner.reset();  // out of the lock: it may free a whole model
    if (sent == size) {
      return finish(w, fd, {}, kKept);  // the fetcher sent no more than its header
    }
    refuse(w, fd, {}, peer, "a lent block of " + mib(size) + " " + why + " after " + mib(sent));
  }

  /// An unlinked file in spool_dir for a block, or null
  /// (said once in the log) when none can be made there: the block then
  /// arrives in memory.
  std::shared_ptr<int> spool_file() {
    const int file = open(options.spool_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (file < 0) {
      const std::string why = std::strerror(errno);
      static std::atomic<bool> said{false};
      if (!said.exchange(true))
        log("blocks go to memory: no unlinked file can be made in " + options.spool_dir + " (" +
            why + ")");
      return nullptr;
    }
    try {
      return std::shared_ptr<int>(new int(file), [](int* f) {
        close(*f);
        delete f;
      });
    } catch (const std::exception&) {
      close(file);
      return nullptr;
    }
  }

  /// Ends the arrival of the block of `ticket` (this worker's) after `got` of
  /// its `size` bytes came, `why` being what went wrong: keeps it, in memory
  /// (`bytes`) or in `file`, and answers that it was kept; or drops the
  /// ticket (the sender sends the bytes another way) and says why.
  void settle(Worker& w, int fd, const std::string& ticket, const std::string& peer,
              std::uint64_t size, std::uint64_t got, std::string why,
              std::vector<unsigned char> bytes, std::shared_ptr<int> file) {
    bool kept = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = tickets.find(ticket);
      if (it != tickets.end()) it->second.fd = -1;  // closed below
      if (got == size && why.empty() && it != tickets.end() && !it->second.withdrawn) {
        it->second.done = true;
        if (it->second.keep_s > 0) it->second.lapses = Clock::now() + seconds(it->second.keep_s);
        it->second.bytes = std::move(bytes);
        if (file) ++stats.spooled;
        it->second.spool = std::move(file);
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
    refuse(w, fd, ticket, peer, "a block of " + mib(size) + " " + why + " after " + mib(got));
  }

  /// Reads the block of `ticket` (the ticket is this worker's: arriving) a
  /// chunk at a time into `file` instead of memory, then keeps the file
  /// under the ticket. A write that fails (a full disk) refuses the block:
  /// its sender sends the bytes another way.
  void receive_to_file(Worker& w, int fd, const std::string& first, const std::string& ticket,
                       const std::string& peer, std::uint64_t size, std::shared_ptr<int> file) {
    std::string why;
    const auto deadline = Clock::now() + seconds(options.stall_timeout_s) +
                          seconds(static_cast<double>(size) / options.min_rate);
    std::vector<char> chunk;
    std::uint64_t got = first.size() - kBulkHeaderSize;
    auto put = [&](const char* src, std::size_t n) {
      for (std::size_t done = 0; done < n && why.empty();) {
        const auto r = write(*file, src + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
          why = std::string("cannot be spooled (") +
                (r < 0 ? std::strerror(errno) : "the file takes no more") + ")";
        if (r > 0) done += static_cast<std::size_t>(r);
      }
    };
    put(first.data() + kBulkHeaderSize, static_cast<std::size_t>(got));
    try {
      chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size)));
    } catch (const std::exception&) {
      why = "no memory for a chunk";
    }
    while (got < size && why.empty()) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size - got));
      const auto r = read_into(fd, chunk.data(), n, deadline, &why);
      put(chunk.data(), r);
      got += r;
    }
    settle(w, fd, ticket, peer, size, got, why, {}, std::move(file));
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
    std::shared_ptr<const void> lent_owner;
    const unsigned char* lent_data = nullptr;
    bool lending = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = tickets.find(ticket);
      if (it == tickets.end()) {
        why = "an unknown ticket";
        status = kUnknownTicket;
      } else if (Clock::now() >= it->second.lapses) {
        why = "a lapsed ticket";
      } else if (it->second.lent) {
        if (it->second.size != size)
          why = "a fetch of " + std::to_string(size) + " bytes under a ticket for " +
                std::to_string(it->second.size);
        else if (early > 0)
          why = "bytes after the header of a fetch";
        if (why.empty()) {
          lending = true;
          lent_owner = std::move(it->second.owner);
          lent_data = it->second.data;
          tickets.erase(it);  // a ticket serves one fetch
        }
      } else if (it->second.receiving)
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
    }
    if (!why.empty()) return refuse(w, fd, ticket, peer, why, status);
    if (lending) return lend_out(w, fd, ticket, peer, std::move(lent_owner), lent_data, size);
    std::shared_ptr<int> file;
    if (!options.spool_dir.empty() && size > 0 && size >= options.spool_min_bytes)
      file = spool_file();
    if (file) return receive_to_file(w, fd, first, ticket, peer, size, std::move(file));
    // The vector zero-fills what it grows by: a chunk at a time, each just
    // before the socket fills it, while the sender writes the next.
    std::vector<unsigned char> bytes;
    try {
      bytes.reserve(size);
    } catch (const std::exception&) {
      {
        // The ticket is this worker's (arriving, with this fd): it goes now,
        // and the sender sends the bytes another way.
        std::lock_guard<std::mutex> lock(mutex);
        if (auto it = tickets.find(ticket); it != tickets.end()) {
          --held;
          tickets.erase(it);
        }
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
    settle(w, fd, ticket, peer, size, got, why, std::move(bytes), nullptr);
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

std::string BulkReceiver::expect(std::uint64_t size, double lifetime_s, double keep_s) {
  Impl::Dropped dropped;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->purge(Clock::now(), dropped);
  return impl_->issue(size, lifetime_s, keep_s);
}

std::string BulkReceiver::take(const std::string& ticket, std::vector<unsigned char>& out,
                               int* spooled) {
  if (spooled) *spooled = -1;
  auto& im = *impl_;
  Impl::Dropped dropped;
  std::unique_lock<std::mutex> lock(im.mutex);
  im.purge(Clock::now(), dropped);
  auto it = im.tickets.find(ticket);
  if (it == im.tickets.end())
    return "no block is held under its ticket (none arrived, or it lapsed)";
  if (!it->second.done) {
    im.drop(it, dropped);
    return "its block had not all arrived";
  }
  if (const auto file = it->second.spool) {
    const auto size = it->second.size;
    im.drop(it, dropped);
    if (spooled) {
      *spooled = fcntl(*file, F_DUPFD_CLOEXEC, 0);
      if (*spooled < 0) return std::string("its spooled block: ") + std::strerror(errno);
      return {};
    }
    lock.unlock();  // the caller wants the bytes in memory: read them back, unlocked
    std::vector<unsigned char> bytes(size);
    for (std::uint64_t got = 0; got < size;) {
      const auto r = pread(*file, bytes.data() + got, size - got, static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return std::string("its spooled block cannot be read back");
      got += static_cast<std::uint64_t>(r);
    }
    out = std::move(bytes);
    return {};
  }
  out = std::move(it->second.bytes);
  im.drop(it, dropped);
  return {};
}

std::string BulkReceiver::lend(std::shared_ptr<const void> owner, const unsigned char* data,
                               std::uint64_t size, double lifetime_s) {
  auto& im = *impl_;
  Impl::Dropped dropped;
  std::lock_guard<std::mutex> lock(im.mutex);
  im.purge(Clock::now(), dropped);
  if (im.loans.size() >= im.options.max_lent && !im.loans.count(owner.get())) return {};
  if (im.loans_out() >= im.options.max_lent_tickets) return {};
  auto ticket = im.issue(size, lifetime_s);
  if (ticket.empty()) return ticket;
  auto& t = im.tickets[ticket];
  t.lent = true;
  ++im.loans[owner.get()];
  t.owner = std::move(owner);
  t.data = data;
  return ticket;
}

void BulkReceiver::forget(const std::string& ticket) {
  Impl::Dropped dropped;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (auto it = impl_->tickets.find(ticket); it != impl_->tickets.end()) impl_->drop(it, dropped);
}

bool BulkReceiver::holds(const std::string& ticket) {
  Impl::Dropped dropped;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->purge(Clock::now(), dropped);
  return impl_->tickets.count(ticket) > 0;
}

void BulkReceiver::purge_lapsed() {
  Impl::Dropped dropped;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->purge(Clock::now(), dropped);
}

void BulkReceiver::adopt(int fd, std::string first) {
  auto& im = *impl_;
  const auto peer = peer_name(fd);
  const auto address = peer.substr(0, peer.rfind(':'));
  Impl::Dropped dropped;
  std::unique_lock<std::mutex> lock(im.mutex);
  im.reap();
  im.purge(Clock::now(), dropped);
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

const std::string& BulkReceiver::spool_dir() const {
  return impl_->options.spool_dir;
}

std::uint64_t BulkReceiver::spool_min_bytes() const {
  return impl_->options.spool_min_bytes;
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
  out.lent_now = impl_->loans.size();
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

std::string await_bulk_answer(int fd, const std::string& ticket, int* status, std::string* rest) {
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
    if (rest) *rest = got.substr(at + kBulkTicketSize + 1);
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

/// Connects to each address of `hosts` in turn (the one that worked last for
/// `port` first) and runs `exchange` on the connection, until a receiver there knows the ticket
/// (another process may listen at the same address and port there).
/// `exchange` returns "" or why not, and sets the answer's status byte (-1:
/// none came). Returns "" when one exchange succeeded, else why not.
std::string with_each_address(const std::vector<std::string>& hosts, std::uint16_t port,
                              const std::string& ticket, double timeout_s, bool* connected,
                              const std::function<std::string(int fd, int* status)>& exchange) {
  if (connected) *connected = false;
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
  std::string why = "no address took the connection";
  for (const auto& host : order) {
    std::string refused;
    const int fd = connect_to(host, port, std::min(timeout_s, kMostConnectWait), &refused);
    if (fd < 0) {
      why = "cannot connect (" + refused + ")";
      continue;
    }
    if (connected) *connected = true;
    set_nonblocking(fd, false);
    set_nodelay(fd);
    const double wait = std::max(timeout_s, 0.001);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(wait);
    tv.tv_usec = static_cast<suseconds_t>((wait - static_cast<double>(tv.tv_sec)) * 1e6);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int status = -1;
    why = exchange(fd, &status);
    close(fd);
    if (why.empty()) {
      std::lock_guard<std::mutex> lock(reached_mutex);
      reached[port] = host;
      return {};
    }
    if (status == kRefused || status == kKept) break;  // the receiver that issued the ticket spoke
    why = host + ": " + why;
  }
  return why;
}

/// Magic, ticket and size: what a sender or fetcher writes first.
std::string header_of(const std::string& ticket, std::uint64_t size) {
  std::string header(kBulkHeaderSize, '\0');
  std::memcpy(header.data(), kBulkMagic, sizeof kBulkMagic);
  std::memcpy(header.data() + sizeof kBulkMagic, ticket.data(), kBulkTicketSize);
  write_le64(header.data() + sizeof kBulkMagic + kBulkTicketSize, size);
  return header;
}

}  // namespace

std::string send_bulk(const std::vector<std::string>& hosts, std::uint16_t port,
                      const std::string& ticket, const unsigned char* data, std::size_t n,
                      double timeout_s, bool* connected) {
  return with_each_address(hosts, port, ticket, timeout_s, connected, [&](int fd, int* status) {
    const auto header = header_of(ticket, n);
    const bool sent = send_all(fd, header.data(), header.size(), n > 0 ? MSG_MORE : 0) &&
                      send_all(fd, reinterpret_cast<const char*>(data), n, 0);
    // A receiver that refused mid-way may still have answered why.
    auto why = await_bulk_answer(fd, ticket, status);
    if (!why.empty() && !sent && *status < 0) why = "the connection broke while sending";
    return why;
  });
}

std::string fetch_bulk(const std::vector<std::string>& hosts, std::uint16_t port,
                       const std::string& ticket, std::uint64_t size,
                       std::vector<unsigned char>& out, double timeout_s, bool* connected,
                       double deadline_s) {
  using Clock = std::chrono::steady_clock;
  // A year or more (or not finite) is no deadline: the arithmetic stays in range.
  const auto deadline = deadline_s > 0.0 && deadline_s < 3.2e7
                            ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(deadline_s))
                            : Clock::time_point::max();
  return with_each_address(
      hosts, port, ticket, timeout_s, connected, [&](int fd, int* status) -> std::string {
        const auto header = header_of(ticket, size);
        if (!send_all(fd, header.data(), header.size(), 0)) return "cannot send the header";
        std::string rest;
        if (auto why = await_bulk_answer(fd, ticket, status, &rest); !why.empty()) return why;
        if (rest.size() > size) return "more bytes than lent came";
        out.clear();
        try {
          out.reserve(size);
        } catch (const std::exception&) {
          return "no memory for a block of " + mib(size);
        }
        huge_pages(out.data(), size);
        out.assign(rest.begin(), rest.end());
        // Grown a chunk at a time, as the receiver grows its blocks: the
        // zero-fill of each overlaps the sender's writes of the next.
        std::size_t got = out.size();
        while (got < size) {
          if (Clock::now() > deadline)
            return "a lent block of " + mib(size) + " took longer than " +
                   std::to_string(static_cast<int>(std::ceil(deadline_s))) + " s (" + mib(got) +
                   " came)";
          const auto n = std::min<std::size_t>(kChunk, size - got);
          out.resize(got + n);
          std::size_t in_chunk = 0;
          while (in_chunk < n) {
            const auto r = recv(fd, out.data() + got + in_chunk, n - in_chunk, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
              const auto why = r == 0 ? std::string("closed by the receiver")
                               : errno == EAGAIN || errno == EWOULDBLOCK ? std::string("stalled")
                                                                         : std::strerror(errno);
              return "a lent block of " + mib(size) + " " + why + " after " + mib(got + in_chunk);
            }
            in_chunk += static_cast<std::size_t>(r);
          }
          got += n;
        }
        return {};
      });
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
