// The message-size guard in front of CAF's BASP port, against a plain TCP
// "upstream" that records what reaches it (no CAF needed).
#include "net/message_guard.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "socket_util.hpp"

using namespace std::chrono_literals;
using troupe::actors::MessageGuard;
using troupe::actors::MessageGuardOptions;
using troupe::test::closed_by_peer;
using troupe::test::connect_loopback;
using troupe::test::send_all;

namespace {

/// A BASP-framed message: 32-byte header announcing `announced` bytes, then
/// the payload; a direct message (0x02), which may come without payload.
std::string frame(const std::string& payload, std::uint32_t announced) {
  return troupe::test::basp_header(announced, 0x02) + payload;
}
std::string frame(const std::string& payload) {
  return frame(payload, static_cast<std::uint32_t>(payload.size()));
}

/// Accepts connections on 127.0.0.1, records every byte received (all
/// connections together) and answers each connection's first bytes with "ack".
class Upstream {
 public:
  Upstream() {
    listener_ = troupe::test::listen_loopback(&port_);
    thread_ = std::thread([this] { run(); });
  }
  ~Upstream() {
    stop_ = true;
    thread_.join();
    close(listener_);
    for (int fd : fds_) close(fd);
  }
  std::uint16_t port() const { return port_; }
  std::string received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  bool wait_for_size(std::size_t n, std::chrono::milliseconds limit = 5s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (received().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  void run() {
    std::vector<bool> answered;
    while (!stop_) {
      std::vector<pollfd> p{{listener_, POLLIN, 0}};
      for (int fd : fds_) p.push_back({fd, POLLIN, 0});
      if (poll(p.data(), p.size(), 20) <= 0) continue;
      if (p[0].revents & POLLIN) {
        fds_.push_back(accept(listener_, nullptr, nullptr));
        answered.push_back(false);
      }
      for (std::size_t i = 1; i < p.size(); ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
        char buf[65536];
        const auto n = recv(fds_[i - 1], buf, sizeof buf, 0);
        if (n <= 0) continue;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          received_.append(buf, static_cast<std::size_t>(n));
        }
        if (!answered[i - 1]) {
          answered[i - 1] = true;
          send(fds_[i - 1], "ack", 3, MSG_NOSIGNAL);
        }
      }
    }
  }
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> fds_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string received_;
};

struct Log {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& l) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(l);
    };
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mutex);
    std::string out;
    for (auto& l : lines) out += l + "\n";
    return out;
  }
};

/// Every test's set-up: an upstream, a log, and guard options that relay to
/// the one and log to the other (1 MiB per message, 2 MiB in flight).
struct Bench {
  Bench() {
    options.host = "127.0.0.1";
    options.upstream_port = up.port();
    options.max_message = 1 << 20;
    options.max_in_flight = 2 << 20;
    options.log = log.sink();
  }
  Upstream up;
  Log log;
  MessageGuardOptions options;
};

}  // namespace

TEST(MessageGuard, RelaysFramedMessagesBothWaysUnchanged) {
  Bench bench;
  auto& [up, log, o] = bench;
  MessageGuard guard(o);
  ASSERT_NE(guard.port(), 0);
  const int fd = connect_loopback(guard.port());
  ASSERT_GE(fd, 0);
  std::string stream;
  for (int i = 0; i < 50; ++i) {
    std::string payload(static_cast<std::size_t>(i * 4099 % 300000), '\0');
    for (std::size_t k = 0; k < payload.size(); ++k) payload[k] = static_cast<char>(k * 31 + i);
    stream += frame(payload);
  }
  stream += frame("");  // a header without payload
  send_all(fd, stream);
  ASSERT_TRUE(up.wait_for_size(stream.size())) << up.received().size() << " of " << stream.size();
  EXPECT_EQ(up.received(), stream);
  char reply[3] = {};
  ASSERT_EQ(recv(fd, reply, 3, MSG_WAITALL), 3);
  EXPECT_EQ(std::string(reply, 3), "ack");
  close(fd);
  EXPECT_TRUE(log.all().empty()) << log.all();
  EXPECT_EQ(guard.stats().refused, 0u);
  EXPECT_EQ(guard.stats().bytes_from_peers, stream.size());
}

TEST(MessageGuard, AHeaderOverTheLimitClosesTheConnectionBeforeUpstreamSeesIt) {
  Bench bench;
  auto& [up, log, o] = bench;
  MessageGuard guard(o);
  const int fd = connect_loopback(guard.port());
  const auto ok = frame(std::string(1000, 'a'));
  send_all(fd, ok + frame("", 0xfffffff0u) + std::string(4096, 'x'));
  EXPECT_TRUE(closed_by_peer(fd));
  close(fd);
  EXPECT_TRUE(up.wait_for_size(ok.size()));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(up.received(), ok);  // the message before the forged header only
  EXPECT_NE(log.all().find("over the limit of 1.0 MiB"), std::string::npos) << log.all();
  EXPECT_NE(log.all().find("127.0.0.1:"), std::string::npos) << log.all();
  EXPECT_EQ(guard.stats().refused, 1u);
  // Other connections are unaffected.
  const int other = connect_loopback(guard.port());
  send_all(other, frame("after"));
  EXPECT_TRUE(up.wait_for_size(ok.size() + 32 + 5));
  close(other);
}

TEST(MessageGuard, AnnouncedBytesOfAllConnectionsStayWithinTheInFlightBudget) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.max_message = 1000;
  o.max_in_flight = 1500;
  MessageGuard guard(o);
  const int a = connect_loopback(guard.port());
  const int b = connect_loopback(guard.port());
  const std::string pa(1000, 'a'), pb(1000, 'b');
  send_all(a, frame(pa).substr(0, 32 + 500));  // a holds 1000 of the budget
  ASSERT_TRUE(up.wait_for_size(32 + 500));
  // The guard publishes its counters after relaying: wait for them.
  for (int i = 0; i < 100 && guard.stats().in_flight != 1000u; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(guard.stats().in_flight, 1000u);
  send_all(b, frame(pb));  // would make 2000 > 1500: held back whole
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(up.received().size(), 32u + 500u);
  send_all(a, pa.substr(500));  // a completes; b may go
  ASSERT_TRUE(up.wait_for_size(2 * (32 + 1000)));
  const auto got = up.received();
  EXPECT_EQ(got.substr(0, 32 + 1000), frame(pa));
  EXPECT_EQ(got.substr(32 + 1000), frame(pb));
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(guard.stats().in_flight, 0u);
  close(a);
  close(b);
}

TEST(MessageGuard, AStalledMessageIsClosedAndReleasesItsShare) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.stall_timeout_s = 0.3;
  MessageGuard guard(o);
  const int fd = connect_loopback(guard.port());
  send_all(fd, frame(std::string(1000, 'z')).substr(0, 100));
  EXPECT_TRUE(closed_by_peer(fd, 3s));
  close(fd);
  EXPECT_NE(log.all().find("stalled"), std::string::npos) << log.all();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(guard.stats().in_flight, 0u);
}

TEST(MessageGuard, ConnectionsBeyondTheMaximumAreRefused) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.max_connections = 2;
  MessageGuard guard(o);
  const int a = connect_loopback(guard.port()), b = connect_loopback(guard.port());
  std::this_thread::sleep_for(200ms);
  const int c = connect_loopback(guard.port());
  EXPECT_TRUE(closed_by_peer(c));
  EXPECT_FALSE(closed_by_peer(a, 200ms));
  EXPECT_NE(log.all().find("2 connections are open"), std::string::npos) << log.all();
  close(a);
  close(b);
  close(c);
}

TEST(MessageGuard, AnAddressInUseIsAClearError) {
  Bench bench;
  MessageGuard first(bench.options);
  auto o = bench.options;
  o.port = first.port();
  try {
    MessageGuard second(o);
    FAIL() << "a second guard listened on the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:"), std::string::npos)
        << e.what();
  }
}

TEST(MessageGuard, UnusableTlsFilesAreAClearError) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.tls_cert = "/nonexistent/cert.pem";
  o.tls_key = "/nonexistent/key.pem";
  o.tls_ca = "/nonexistent/ca.pem";
  try {
    MessageGuard guard(o);
    FAIL() << "a guard started with missing TLS files";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("TLS set-up failed"), std::string::npos) << e.what();
  }
  o.tls_ca.clear();
  EXPECT_THROW(MessageGuard{o}, std::runtime_error);
}

// Slow-loris clients (issue 20): a peer that dribbles bytes must not hold a
// connection, nor one address every slot.

TEST(MessageGuard, AConnectionWithoutAWholeMessageIsClosedAfterTheHandshakeTimeout) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.handshake_timeout_s = 0.3;
  MessageGuard guard(o);
  // Given a peer that sends a header one byte at a time, more slowly than the timeout.
  const int fd = connect_loopback(guard.port());
  const auto header = frame("");
  send_all(fd, header.substr(0, 1));
  std::this_thread::sleep_for(100ms);
  send_all(fd, header.substr(1, 1));
  // Then the guard closes it, saying why.
  EXPECT_TRUE(closed_by_peer(fd, 3s));
  close(fd);
  EXPECT_NE(log.all().find("no whole message within 0.3"), std::string::npos) << log.all();
  EXPECT_EQ(guard.stats().refused, 1u);
}

TEST(MessageGuard, AHeaderDribbledAfterTheHandshakeIsClosedAfterTheStallTimeout) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.stall_timeout_s = 0.5;
  MessageGuard guard(o);
  const int fd = connect_loopback(guard.port());
  send_all(fd, frame("hello"));  // a whole first message: past the handshake rule
  ASSERT_TRUE(up.wait_for_size(32 + 5));
  // A byte every 100 ms keeps the connection busy but never completes a header.
  const auto header = frame("");
  bool closed = false;
  for (std::size_t i = 0; i < header.size() && !closed; ++i) {
    send_all(fd, header.substr(i, 1));
    closed = closed_by_peer(fd, 100ms);
  }
  EXPECT_TRUE(closed) << "a header dribbled over 3.2 s was relayed";
  close(fd);
  EXPECT_NE(log.all().find("header still incomplete"), std::string::npos) << log.all();
  EXPECT_EQ(up.received().size(), 32u + 5u);  // nothing of the dribbled header went on
}

TEST(MessageGuard, APayloadDribbledBelowTheMinimumRateIsClosedAtItsDeadline) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.stall_timeout_s = 0.3;
  o.min_rate = 10000;  // 5000 bytes: due 0.3 + 0.5 s after the header
  MessageGuard guard(o);
  const int fd = connect_loopback(guard.port());
  const auto message = frame(std::string(5000, 'p'));
  send_all(fd, message.substr(0, 32 + 10));
  // Ten bytes every 100 ms: always progressing (no stall), far too slowly.
  bool closed = false;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t at = 42; at < message.size() && !closed; at += 10) {
    send_all(fd, message.substr(at, 10));
    closed = closed_by_peer(fd, 100ms);
  }
  const auto after = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_LT(after, 3s);
  close(fd);
  EXPECT_NE(log.all().find("past its deadline"), std::string::npos) << log.all();
  EXPECT_EQ(log.all().find("stalled"), std::string::npos) << log.all();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(guard.stats().in_flight, 0u);
}

TEST(MessageGuard, OneAddressCannotTakeEverySlot) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.host = "0.0.0.0";  // reachable from 127.0.0.2 too
  o.max_connections = 4;
  o.max_connections_per_peer = 2;
  MessageGuard guard(o);
  // Given two connections from 127.0.0.1, a third one from it is refused ...
  const int a = connect_loopback(guard.port()), b = connect_loopback(guard.port());
  std::this_thread::sleep_for(200ms);
  const int c = connect_loopback(guard.port());
  EXPECT_TRUE(closed_by_peer(c));
  EXPECT_NE(log.all().find("2 connections from 127.0.0.1 are open"), std::string::npos)
      << log.all();
  // ... while another address still gets in and is relayed.
  const int d = socket(AF_INET, SOCK_STREAM, 0);
  auto from = troupe::test::loopback(0);
  from.sin_addr.s_addr = htonl(0x7f000002);  // 127.0.0.2
  ASSERT_EQ(bind(d, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
  auto to = troupe::test::loopback(guard.port());
  ASSERT_EQ(connect(d, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  send_all(d, frame("other"));
  EXPECT_TRUE(up.wait_for_size(32 + 5));
  EXPECT_FALSE(closed_by_peer(d, 200ms));
  for (int fd : {a, b, c, d}) close(fd);
}

TEST(MessageGuard, AFloodOfRefusedConnectionsIsLoggedAtMostOnceASecond) {
  Bench bench;
  auto& [up, log, o] = bench;
  o.max_connections = 1;
  MessageGuard guard(o);
  const int held = connect_loopback(guard.port());
  std::this_thread::sleep_for(100ms);
  std::vector<int> refused;
  for (int i = 0; i < 50; ++i) refused.push_back(connect_loopback(guard.port()));
  for (int fd : refused) EXPECT_TRUE(closed_by_peer(fd));
  EXPECT_EQ(guard.stats().refused, 50u);
  std::this_thread::sleep_for(1100ms);
  const int one_more = connect_loopback(guard.port());
  EXPECT_TRUE(closed_by_peer(one_more));
  // Then two lines, the second counting the 49 not logged.
  std::lock_guard<std::mutex> lock(log.mutex);
  ASSERT_EQ(log.lines.size(), 2u);
  EXPECT_NE(log.lines[1].find("and 49 more refused"), std::string::npos) << log.lines[1];
  for (int fd : refused) close(fd);
  close(held);
  close(one_more);
}

TEST(MessageGuard, AHandshakeHeaderWithoutPayloadIsRefusedBeforeUpstreamSeesIt) {
  Bench bench;
  auto& [up, log, o] = bench;
  MessageGuard guard(o);
  // CAF 0.17.6 crashes on either handshake announcing no payload.
  for (const char operation : {'\x00', '\x01'}) {
    const int fd = connect_loopback(guard.port());
    auto header = frame("");
    header[0] = operation;
    send_all(fd, header);
    EXPECT_TRUE(closed_by_peer(fd));
    close(fd);
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(up.received(), "");
  EXPECT_NE(log.all().find("handshake without payload"), std::string::npos) << log.all();
  EXPECT_EQ(guard.stats().refused, 2u);
}

TEST(MessageGuard, RelaysALargeStreamFromUpstreamWholeAndThenItsEnd) {
  // Upstream answers the peer's first message with 6 MiB and closes: the
  // peer gets every byte in order, then the end of the stream.
  std::string big(6u << 20, '\0');
  for (std::size_t k = 0; k < big.size(); ++k) big[k] = static_cast<char>((k * 131) ^ (k >> 13));
  std::uint16_t upstream_port = 0;
  const int listener = troupe::test::listen_loopback(&upstream_port, 4);
  ASSERT_GE(listener, 0);
  std::thread upstream([&] {
    const int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    char first[64];
    if (recv(fd, first, sizeof first, 0) > 0) send_all(fd, big);
    close(fd);
  });
  MessageGuardOptions o;
  o.host = "127.0.0.1";
  o.upstream_port = upstream_port;
  MessageGuard guard(o);
  const int fd = connect_loopback(guard.port());
  ASSERT_GE(fd, 0);
  send_all(fd, frame("hello"));
  std::string got;
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;  // nothing for 5 s: fails below
    const auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  upstream.join();
  close(fd);
  close(listener);
  ASSERT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big);
  EXPECT_EQ(guard.stats().bytes_to_peers, big.size());
}
