// The data plane (net/bulk_channel.hpp): blocks sent under tickets to the
// message guard's port, which hands such connections to a BulkReceiver.
#include "net/bulk_channel.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "net/message_guard.hpp"
#include "socket_util.hpp"

using namespace std::chrono_literals;
using troupe::net::BulkReceiver;
using troupe::net::BulkReceiverOptions;
using troupe::net::send_bulk;
using troupe::test::closed_by_peer;

namespace {

/// A listening socket the guard relays BASP to; nothing here speaks BASP.
struct Listener {
  Listener() : fd(troupe::test::listen_loopback(&port, 64)) {}
  ~Listener() {
    if (fd >= 0) close(fd);
  }
  std::uint16_t port = 0;  // before fd: the constructor fills it first
  int fd = -1;
};

struct Lines {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::string all() {
    std::lock_guard<std::mutex> lock(mutex);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

/// A guard on 127.0.0.1 with a receiver behind it, as a published process has.
struct Plane {
  explicit Plane(BulkReceiverOptions ro = {}, const std::string& host = "127.0.0.1",
                 std::uint16_t port = 0) {
    ro.log = [this](const std::string& l) {
      std::lock_guard<std::mutex> lock(log.mutex);
      log.lines.push_back(l);
    };
    receiver = std::make_shared<BulkReceiver>(ro);
    troupe::actors::MessageGuardOptions go;
    go.host = host;
    go.port = port;
    go.upstream_port = upstream.port;
    go.bulk = [r = receiver.get()](int fd, std::string first) { r->adopt(fd, std::move(first)); };
    go.tick = [r = receiver.get()] { r->purge_lapsed(); };  // as actors/remoting.hpp wires it
    guard = std::make_unique<troupe::actors::MessageGuard>(go);
    receiver->set_address(guard->port(), {host});
  }
  std::string send(const std::string& ticket, const std::vector<unsigned char>& bytes) {
    return send_bulk(receiver->hosts(), receiver->port(), ticket, bytes.data(), bytes.size(), 5.0);
  }
  Listener upstream;
  Lines log;
  std::shared_ptr<BulkReceiver> receiver;
  std::unique_ptr<troupe::actors::MessageGuard> guard;  // first to go: it calls the receiver
};

std::vector<unsigned char> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<unsigned char> out(n);
  for (auto& b : out) b = static_cast<unsigned char>(rng());
  return out;
}

/// The header send_bulk writes, for tests that write by hand.
std::string header(const std::string& ticket, std::uint64_t size) {
  std::string h(troupe::net::kBulkMagic, sizeof troupe::net::kBulkMagic);
  h += ticket;
  for (int i = 0; i < 8; ++i) h += static_cast<char>((size >> (8 * i)) & 0xff);
  return h;
}

/// Connects `*fd` to `plane`'s guard, and has the upstream end (`*up`) send
/// the start of a BASP greeting that surely reaches `*fd` before anything is
/// written: as a BASP server speaks first.
void connect_behind_greeting(Plane& plane, int* fd, int* up) {
  *fd = troupe::test::connect_loopback(plane.receiver->port());
  ASSERT_GE(*fd, 0);
  *up = accept(plane.upstream.fd, nullptr, nullptr);
  ASSERT_GE(*up, 0);
  const std::string greeting = troupe::test::basp_header(40, 0x00) + std::string(40, 'g');
  troupe::test::send_all(*up, greeting);
  std::string seen(greeting.size(), '\0');
  ASSERT_EQ(recv(*fd, seen.data(), seen.size(), MSG_WAITALL | MSG_PEEK),
            static_cast<ssize_t>(seen.size()));
}

/// Whether `done()` became true within `limit`.
template <class F>
bool until(F done, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

}  // namespace

TEST(BulkChannel, ABlockTravelsThroughTheGuardsPortIntoItsTicket) {
  Plane plane;
  for (const std::size_t size : {std::size_t{1}, std::size_t{5} << 20}) {
    const auto bytes = random_bytes(size, static_cast<unsigned>(size));
    const auto ticket = plane.receiver->expect(size);
    ASSERT_EQ(ticket.size(), troupe::net::kBulkTicketSize);
    ASSERT_EQ(plane.send(ticket, bytes), "") << plane.log.all();
    std::vector<unsigned char> got;
    ASSERT_EQ(plane.receiver->take(ticket, got), "");
    EXPECT_EQ(got, bytes);
    // Taken: the ticket is gone.
    EXPECT_NE(plane.receiver->take(ticket, got), "");
  }
  EXPECT_EQ(plane.receiver->stats().blocks, 2u);
  EXPECT_EQ(plane.receiver->stats().refused, 0u);
  EXPECT_EQ(plane.guard->stats().refused, 0u);
  EXPECT_EQ(plane.log.all(), "");
}

TEST(BulkChannel, AnUnknownTicketOrAnotherSizeIsRefusedAndTheTicketStillServes) {
  Plane plane;
  const auto bytes = random_bytes(100000, 1);
  const auto ticket = plane.receiver->expect(bytes.size());
  // A ticket nobody issued.
  std::string forged = ticket;
  forged[0] = static_cast<char>(forged[0] ^ 1);
  bool connected = false;
  EXPECT_NE(send_bulk(plane.receiver->hosts(), plane.receiver->port(), forged, bytes.data(),
                      bytes.size(), 5.0, &connected),
            "");
  EXPECT_TRUE(connected);  // a receiver answered: a sender may try it again
  // Refusals are logged at most once a second: this one would be left out.
  std::this_thread::sleep_for(1100ms);
  // The right ticket with one byte more than it was issued for.
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_NE(plane.send(ticket, longer), "");
  std::vector<unsigned char> got;
  EXPECT_EQ(plane.receiver->stats().refused, 2u);
  EXPECT_NE(plane.log.all().find("an unknown ticket"), std::string::npos) << plane.log.all();
  EXPECT_NE(plane.log.all().find("under a ticket for"), std::string::npos) << plane.log.all();
  // Neither took the ticket.
  ASSERT_EQ(plane.send(ticket, bytes), "");
  // A ticket serves one block.
  EXPECT_NE(plane.send(ticket, bytes), "");
  ASSERT_EQ(plane.receiver->take(ticket, got), "");
  EXPECT_EQ(got, bytes);
}

TEST(BulkChannel, ABlockThatStallsMidwayIsDroppedWithItsTicket) {
  BulkReceiverOptions o;
  o.stall_timeout_s = 0.3;
  Plane plane(o);
  const auto ticket = plane.receiver->expect(1000);
  const int fd = troupe::test::connect_loopback(plane.receiver->port());
  ASSERT_GE(fd, 0);
  troupe::test::send_all(fd, header(ticket, 1000) + std::string(400, 'x'));
  std::vector<unsigned char> got;
  EXPECT_TRUE(closed_by_peer(fd, 3s));
  close(fd);
  EXPECT_NE(plane.receiver->take(ticket, got), "");
  EXPECT_TRUE(got.empty());
  EXPECT_NE(plane.log.all().find("stalled"), std::string::npos) << plane.log.all();
}

TEST(BulkChannel, AHeaderThatNeverCompletesIsClosedAfterTheHeaderTimeout) {
  BulkReceiverOptions o;
  o.header_timeout_s = 0.3;
  Plane plane(o);
  const int fd = troupe::test::connect_loopback(plane.receiver->port());
  ASSERT_GE(fd, 0);
  troupe::test::send_all(fd, std::string(troupe::net::kBulkMagic, 8) + "abc");
  EXPECT_TRUE(closed_by_peer(fd, 3s));
  close(fd);
  EXPECT_NE(plane.log.all().find("no whole header"), std::string::npos) << plane.log.all();
}

TEST(BulkChannel, BlocksBeyondTheConnectionLimitAreRefusedAtOnce) {
  BulkReceiverOptions o;
  o.max_connections = 1;
  o.stall_timeout_s = 5.0;
  Plane plane(o);
  const auto held = plane.receiver->expect(1000);
  const int fd = troupe::test::connect_loopback(plane.receiver->port());
  ASSERT_GE(fd, 0);
  troupe::test::send_all(fd, header(held, 1000));  // and nothing more: it holds the one slot
  ASSERT_TRUE(until([&] { return plane.receiver->stats().connections == 1; }));
  const auto bytes = random_bytes(10, 2);
  const auto ticket = plane.receiver->expect(bytes.size());
  EXPECT_NE(plane.send(ticket, bytes), "");
  EXPECT_NE(plane.log.all().find("1 blocks are arriving"), std::string::npos) << plane.log.all();
  close(fd);  // the slot frees; the refused ticket was never used
  ASSERT_TRUE(until([&] { return plane.receiver->stats().connections == 0; }));
  EXPECT_EQ(plane.send(ticket, bytes), "") << plane.log.all();
}

TEST(BulkChannel, TicketsAreBoundedAndASenderWithNowhereToGoSaysSo) {
  BulkReceiverOptions o;
  o.max_tickets = 2;
  BulkReceiver receiver(o);
  const auto a = receiver.expect(1), b = receiver.expect(1);
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, b);
  EXPECT_EQ(receiver.expect(1), "");
  receiver.forget(a);
  EXPECT_FALSE(receiver.expect(1).empty());
  const unsigned char byte = 1;
  bool connected = true;
  const auto why = send_bulk({"127.0.0.1"}, static_cast<std::uint16_t>(troupe::test::free_port()),
                             b, &byte, 1, 1.0, &connected);
  EXPECT_NE(why.find("cannot connect"), std::string::npos) << why;
  EXPECT_FALSE(connected);
  EXPECT_NE(send_bulk({}, 1, b, &byte, 1, 1.0), "");
  EXPECT_NE(send_bulk({"127.0.0.1"}, 1, "short", &byte, 1, 1.0), "");
}

TEST(BulkChannel, BaspConnectionsBesideItStillGoUpstream) {
  Plane plane;
  const int fd = troupe::test::connect_loopback(plane.receiver->port());
  ASSERT_GE(fd, 0);
  const auto h = troupe::test::basp_header(3, 0x02);
  troupe::test::send_all(fd, h + "abc");
  const int up = accept(plane.upstream.fd, nullptr, nullptr);
  ASSERT_GE(up, 0);
  std::string got(h.size() + 3, '\0');
  ASSERT_EQ(recv(up, got.data(), got.size(), MSG_WAITALL), static_cast<ssize_t>(got.size()));
  EXPECT_EQ(got, h + "abc");
  close(up);
  close(fd);
  EXPECT_EQ(plane.receiver->stats().refused, 0u);
}

TEST(BulkChannel, TheAnswerIsFoundBehindTheStartOfCafsGreeting) {
  // A BASP server speaks first: the guard may relay its greeting before it
  // sees the data plane's magic. Here it surely does.
  Plane plane;
  int fd = -1, up = -1;
  ASSERT_NO_FATAL_FAILURE(connect_behind_greeting(plane, &fd, &up));
  const auto bytes = random_bytes(3000, 3);
  const auto ticket = plane.receiver->expect(bytes.size());
  troupe::test::send_all(fd,
                         header(ticket, bytes.size()) + std::string(bytes.begin(), bytes.end()));
  EXPECT_EQ(troupe::net::await_bulk_answer(fd, ticket), "") << plane.log.all();
  close(fd);
  close(up);
  std::vector<unsigned char> got;
  ASSERT_EQ(plane.receiver->take(ticket, got), "");
  EXPECT_EQ(got, bytes);
}

TEST(BulkChannel, HeldBlocksAreBoundedAndLapseUntaken) {
  BulkReceiverOptions o;
  o.max_held = 1;
  Plane plane(o);
  const auto bytes = random_bytes(500, 4);
  const auto first = plane.receiver->expect(bytes.size(), 1.0);
  ASSERT_EQ(plane.send(first, bytes), "");
  EXPECT_EQ(plane.receiver->stats().held, 1u);
  // A second block finds the one place taken: refused, its ticket still good.
  const auto second = plane.receiver->expect(bytes.size());
  EXPECT_NE(plane.send(second, bytes), "");
  EXPECT_NE(plane.log.all().find("1 blocks are held or arriving"), std::string::npos)
      << plane.log.all();
  // Nobody takes the first: it lapses, and the place frees.
  std::this_thread::sleep_for(1100ms);
  plane.receiver->expect(1);  // lapsed tickets go as tickets are issued
  EXPECT_EQ(plane.receiver->stats().held, 0u);
  std::vector<unsigned char> got;
  EXPECT_NE(plane.receiver->take(first, got), "");
  EXPECT_EQ(plane.send(second, bytes), "") << plane.log.all();
  ASSERT_EQ(plane.receiver->take(second, got), "");
  EXPECT_EQ(got, bytes);
}

TEST(BulkChannel, ABlockThatArrivesLateInItsTicketsLifeIsKeptForItsKeepTime) {
  // An upload whose message follows it: however long the bytes took, they
  // stay long enough for the message to come.
  Plane plane;
  const auto bytes = random_bytes(1000, 6);
  const auto kept = plane.receiver->expect(bytes.size(), 1.5, 4.0);
  const auto plain = plane.receiver->expect(bytes.size(), 1.5);
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(plane.send(kept, bytes), "");
  ASSERT_EQ(plane.send(plain, bytes), "");
  std::this_thread::sleep_for(1500ms);  // past both lifetimes, within the keep time
  plane.receiver->purge_lapsed();
  std::vector<unsigned char> got;
  EXPECT_NE(plane.receiver->take(plain, got), "");
  ASSERT_EQ(plane.receiver->take(kept, got), "");
  EXPECT_EQ(got, bytes);
}

TEST(BulkChannel, ASenderThatReachesAnotherReceiverFirstTriesTheNextAddress) {
  // The same port on two loopback addresses: the ticket is the second's.
  Plane issuer({}, "127.0.0.2");
  Plane other({}, "127.0.0.1", issuer.receiver->port());
  const auto bytes = random_bytes(200000, 5);
  const auto ticket = issuer.receiver->expect(bytes.size());
  EXPECT_EQ(send_bulk({"127.0.0.1", "127.0.0.2"}, issuer.receiver->port(), ticket, bytes.data(),
                      bytes.size(), 5.0),
            "");
  std::vector<unsigned char> got;
  ASSERT_EQ(issuer.receiver->take(ticket, got), "");
  EXPECT_EQ(got, bytes);
  EXPECT_EQ(other.receiver->stats().refused, 1u);
  EXPECT_NE(other.log.all().find("an unknown ticket"), std::string::npos) << other.log.all();
}

TEST(BulkChannel, ABlockWithdrawnWhileItArrivesKeepsItsPlaceUntilItsConnectionEnds) {
  BulkReceiverOptions o;
  o.max_held = 1;
  Plane plane(o);
  const auto ticket = plane.receiver->expect(1000);
  const int fd = troupe::test::connect_loopback(plane.receiver->port());
  ASSERT_GE(fd, 0);
  troupe::test::send_all(fd, header(ticket, 1000) + std::string(10, 'x'));
  ASSERT_TRUE(until([&] { return plane.receiver->stats().held == 1; }));
  plane.receiver->forget(ticket);  // a new job, say: the block is withdrawn
  // Its connection is closed at once, and only then is its place free.
  EXPECT_TRUE(closed_by_peer(fd, 3s));
  close(fd);
  ASSERT_TRUE(until([&] { return plane.receiver->stats().held == 0; }));
  std::vector<unsigned char> got;
  EXPECT_NE(plane.receiver->take(ticket, got), "");
  const auto bytes = random_bytes(100, 6);
  const auto next = plane.receiver->expect(bytes.size());
  EXPECT_EQ(plane.send(next, bytes), "") << plane.log.all();
}

TEST(BulkChannel, ALentBlockIsFetchedWholeOnceAndKeptAliveWhileItIsLent) {
  Plane plane;
  for (const std::size_t size : {std::size_t{1}, std::size_t{5} << 20}) {
    auto owner = std::make_shared<std::vector<unsigned char>>(
        random_bytes(size, static_cast<unsigned>(size) + 7));
    const auto expected = *owner;
    const auto ticket = plane.receiver->lend(owner, owner->data(), owner->size());
    ASSERT_EQ(ticket.size(), troupe::net::kBulkTicketSize);
    const std::weak_ptr<std::vector<unsigned char>> watch = owner;
    owner.reset();  // the receiver keeps it alive
    ASSERT_FALSE(watch.expired());
    std::vector<unsigned char> got;
    ASSERT_EQ(troupe::net::fetch_bulk(plane.receiver->hosts(), plane.receiver->port(), ticket, size,
                                      got, 5.0),
              "")
        << plane.log.all();
    EXPECT_EQ(got, expected);
    // Sent: the ticket is gone, and with it the receiver's hold on the block.
    EXPECT_TRUE(until([&] { return watch.expired(); }));
    EXPECT_NE(troupe::net::fetch_bulk(plane.receiver->hosts(), plane.receiver->port(), ticket, size,
                                      got, 5.0),
              "");
  }
  EXPECT_EQ(plane.receiver->stats().lent, 2u);
  EXPECT_EQ(plane.receiver->stats().lent_bytes, (std::uint64_t{5} << 20) + 1);
  EXPECT_EQ(plane.receiver->stats().blocks, 0u);
}

TEST(BulkChannel, AFetchPastItsDeadlineStopsAndSaysSo) {
  Plane plane;
  auto owner = std::make_shared<std::vector<unsigned char>>(random_bytes(std::size_t{8} << 20, 3));
  const auto ticket = plane.receiver->lend(owner, owner->data(), owner->size());
  std::vector<unsigned char> got;
  // A deadline passed before the first byte: the fetch gives up at once.
  const auto why = troupe::net::fetch_bulk(plane.receiver->hosts(), plane.receiver->port(), ticket,
                                           owner->size(), got, 5.0, nullptr, 1e-9);
  EXPECT_NE(why.find("took longer than"), std::string::npos) << why;
  // One that leaves time lets a block through.
  const auto again = plane.receiver->lend(owner, owner->data(), owner->size());
  ASSERT_EQ(troupe::net::fetch_bulk(plane.receiver->hosts(), plane.receiver->port(), again,
                                    owner->size(), got, 5.0, nullptr, 60.0),
            "")
      << plane.log.all();
  EXPECT_EQ(got, *owner);
}

TEST(BulkChannel, AFetchOfAnotherSizeIsRefusedAndTheLoanStands) {
  Plane plane;
  auto owner = std::make_shared<std::vector<unsigned char>>(random_bytes(3000, 8));
  const auto ticket = plane.receiver->lend(owner, owner->data(), owner->size());
  std::vector<unsigned char> got;
  const auto why = troupe::net::fetch_bulk(plane.receiver->hosts(), plane.receiver->port(), ticket,
                                           2999, got, 5.0);
  EXPECT_NE(why, "");
  EXPECT_NE(plane.log.all().find("a fetch of 2999 bytes under a ticket for 3000"),
            std::string::npos)
      << plane.log.all();
  // The lent ticket still serves.
  ASSERT_EQ(troupe::net::fetch_bulk(plane.receiver->hosts(), plane.receiver->port(), ticket,
                                    owner->size(), got, 5.0),
            "")
      << plane.log.all();
  EXPECT_EQ(got, *owner);
}

TEST(BulkChannel, AFetcherThatStopsReadingIsCutOffAndALapsedLoanIsReleased) {
  BulkReceiverOptions o;
  o.stall_timeout_s = 0.3;
  Plane plane(o);
  // Far more than the socket buffers hold, so the receiver must wait on the reader.
  auto owner = std::make_shared<std::vector<unsigned char>>(64u << 20, 1);
  const auto ticket = plane.receiver->lend(owner, owner->data(), owner->size());
  const int fd = troupe::test::connect_loopback(plane.receiver->port());
  ASSERT_GE(fd, 0);
  troupe::test::send_all(fd, header(ticket, owner->size()));  // and never reads
  EXPECT_TRUE(until([&] { return plane.log.all().find("stalled") != std::string::npos; }, 5s))
      << plane.log.all();
  close(fd);
  EXPECT_EQ(plane.receiver->stats().lent, 0u);
  // A loan nobody takes up lapses, and releases what it held.
  auto idle = std::make_shared<std::vector<unsigned char>>(10, 2);
  const std::weak_ptr<std::vector<unsigned char>> watch = idle;
  plane.receiver->lend(idle, idle->data(), idle->size(), 1.0);
  idle.reset();
  EXPECT_FALSE(watch.expired());
  std::this_thread::sleep_for(1100ms);
  plane.receiver->expect(1);  // lapsed tickets go as tickets are issued (or at the next tick)
  EXPECT_TRUE(watch.expired());
}

TEST(BulkChannel, AnIdleReceiverLetsGoOfALapsedLoanWithoutAnotherCall) {
  Plane plane;
  auto model = std::make_shared<std::vector<unsigned char>>(1u << 20, 3);
  const std::weak_ptr<std::vector<unsigned char>> watch = model;
  ASSERT_FALSE(plane.receiver->lend(model, model->data(), model->size(), 1.0).empty());
  model.reset();  // the aggregator let go of this version: only the loan holds it
  EXPECT_FALSE(watch.expired());
  // Nothing else happens at the receiver: the guard's tick drops the loan.
  EXPECT_TRUE(until([&] { return watch.expired(); }, 5s));
  // And a block that arrived but was never taken goes the same way.
  const auto ticket = plane.receiver->expect(16, 1.0);
  EXPECT_EQ(plane.send(ticket, std::vector<unsigned char>(16, 4)), "");
  std::vector<unsigned char> out;
  EXPECT_TRUE(until([&] { return plane.receiver->stats().held == 0; }, 5s));
  EXPECT_NE(plane.receiver->take(ticket, out), "");
}

TEST(BulkChannel, LoansAreBoundedInDistinctBlocksAndInTickets) {
  BulkReceiverOptions o;
  o.max_lent = 2;
  o.max_lent_tickets = 3;
  BulkReceiver receiver(o);
  auto a = std::make_shared<std::vector<unsigned char>>(10, 1);
  auto b = std::make_shared<std::vector<unsigned char>>(10, 2);
  auto c = std::make_shared<std::vector<unsigned char>>(10, 3);
  EXPECT_NE(receiver.lend(a, a->data(), a->size()), "");
  EXPECT_NE(receiver.lend(a, a->data(), a->size()), "");  // the same block again
  const auto of_b = receiver.lend(b, b->data(), b->size());
  EXPECT_NE(of_b, "");
  EXPECT_EQ(receiver.stats().lent_now, 2u);
  EXPECT_EQ(receiver.lend(c, c->data(), c->size()), "");  // a third block
  EXPECT_EQ(receiver.lend(a, a->data(), a->size()), "");  // a fourth loan
  EXPECT_NE(receiver.expect(10), "");                     // tickets for blocks sent here remain
  receiver.forget(of_b);
  EXPECT_EQ(receiver.stats().lent_now, 1u);
  EXPECT_NE(receiver.lend(c, c->data(), c->size()), "");
}

TEST(BulkChannel, ALentBlockIsFoundBehindTheStartOfCafsGreeting) {
  // As for a block sent: the guard may relay CAF's greeting before it sees the
  // magic. What comes after the answer is the lent block's start.
  Plane plane;
  int fd = -1, up = -1;
  ASSERT_NO_FATAL_FAILURE(connect_behind_greeting(plane, &fd, &up));
  auto owner = std::make_shared<std::vector<unsigned char>>(random_bytes(3000, 9));
  const auto ticket = plane.receiver->lend(owner, owner->data(), owner->size());
  troupe::test::send_all(fd, header(ticket, owner->size()));
  int status = -1;
  std::string got;
  ASSERT_EQ(troupe::net::await_bulk_answer(fd, ticket, &status, &got), "") << plane.log.all();
  EXPECT_EQ(status, 0);
  while (got.size() < owner->size()) {
    char buf[4096];
    const auto r = recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(r, 0);
    got.append(buf, static_cast<std::size_t>(r));
  }
  EXPECT_EQ(got, std::string(owner->begin(), owner->end()));
  close(fd);
  close(up);
}

namespace {

/// The bytes of the file open at `fd`, from offset 0.
std::vector<unsigned char> file_bytes(int fd) {
  std::vector<unsigned char> out;
  unsigned char buf[65536];
  for (off_t at = 0;;) {
    const auto r = pread(fd, buf, sizeof buf, at);
    if (r <= 0) break;
    out.insert(out.end(), buf, buf + r);
    at += r;
  }
  return out;
}

}  // namespace

TEST(BulkChannel, ABlockOverTheSpoolSizeArrivesInAFileAndSmallerOnesInMemory) {
  BulkReceiverOptions ro;
  ro.spool_dir = testing::TempDir();
  ro.spool_min_bytes = 3 << 20;
  Plane plane(ro);
  // 5 MiB and a bit: spooled over several chunks, with the header's first bytes.
  const auto big = random_bytes((std::size_t{5} << 20) + 123, 7);
  const auto small = random_bytes(1000, 8);
  const auto t_big = plane.receiver->expect(big.size());
  const auto t_small = plane.receiver->expect(small.size());
  ASSERT_EQ(plane.send(t_big, big), "") << plane.log.all();
  ASSERT_EQ(plane.send(t_small, small), "") << plane.log.all();
  int fd = 7;
  std::vector<unsigned char> got;
  ASSERT_EQ(plane.receiver->take(t_small, got, &fd), "");
  EXPECT_EQ(fd, -1);
  EXPECT_EQ(got, small);
  got.clear();
  ASSERT_EQ(plane.receiver->take(t_big, got, &fd), "");
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(file_bytes(fd), big);
  close(fd);
  const auto stats = plane.receiver->stats();
  EXPECT_EQ(stats.blocks, 2u);
  EXPECT_EQ(stats.spooled, 1u);
  EXPECT_EQ(stats.held, 0u);
  // A caller that does not take files gets the bytes read back.
  const auto t_again = plane.receiver->expect(big.size());
  ASSERT_EQ(plane.send(t_again, big), "");
  ASSERT_EQ(plane.receiver->take(t_again, got), "");
  EXPECT_EQ(got, big);
  EXPECT_EQ(plane.log.all(), "");
}

TEST(BulkChannel, WithNoFileToBeHadInTheSpoolDirectoryBlocksArriveInMemory) {
  BulkReceiverOptions ro;
  ro.spool_dir = testing::TempDir() + "/no-such-spool-dir";
  ro.spool_min_bytes = 0;
  Plane plane(ro);
  const auto bytes = random_bytes(100000, 9);
  const auto ticket = plane.receiver->expect(bytes.size());
  ASSERT_EQ(plane.send(ticket, bytes), "");
  int fd = 7;
  std::vector<unsigned char> got;
  ASSERT_EQ(plane.receiver->take(ticket, got, &fd), "");
  EXPECT_EQ(fd, -1);
  EXPECT_EQ(got, bytes);
  EXPECT_EQ(plane.receiver->stats().spooled, 0u);
  EXPECT_NE(plane.log.all().find("no-such-spool-dir"), std::string::npos) << plane.log.all();
}
