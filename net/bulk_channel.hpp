#pragma once
/// \file
/// The data plane: large parameter blocks sent over a plain socket of their
/// own instead of inside a CAF message.
///
/// CAF 0.17 copies a message's bytes on both sides, and its receiving
/// multiplexer zero-fills a buffer of the announced size before it reads, so a
/// 100 MB update crossed the message guard at about a third of what raw TCP
/// moves on loopback. Here the bytes go straight from the sender's buffer into
/// the socket, and from the socket into the receiver's final buffer.
///
/// How a block travels (actors/model_messages.hpp, BulkRequest and BulkOffer):
///  1. Over the CAF channel (admission checked, TLS when configured) the
///     sender asks for a ticket for `size` bytes. The receiver's owner (the
///     aggregator) checks the size against what it expects and calls
///     expect(), which answers 16 random bytes.
///  2. The sender connects to the guard's port of the receiving process and
///     writes kBulkMagic, the ticket, the size (8 bytes, little-endian) and
///     the bytes (send_bulk()). The guard sees the magic, which no BASP
///     header starts with, and hands the socket to this process's
///     BulkReceiver (adopt()), which checks the ticket and the size before it
///     reads a byte more, then reads the block into a buffer of its own and
///     answers the ticket and a status byte: 0 when all arrived. (A BASP
///     server speaks first, so the guard may have relayed the start of CAF's
///     greeting before it handed the connection over; the sender skips
///     what comes before its ticket.)
///  3. The sender sends its message without the bytes; the owner take()s them.
///
/// The other way (a model version a node fetches), the owner lend()s a block
/// it holds and hands its ticket to the fetcher, which connects the same way
/// and writes the same header; fetch_bulk() then reads the answer, ticket and
/// status byte, and the block behind it, straight into the fetcher's buffer.
/// The receiver keeps the block alive while it is sent.
///
/// A ticket serves one block, and an unknown ticket or a size other than the
/// one asked for closes the connection at once. Connections are bounded in
/// number, in time to their header, and in rate (as the guard's). Under TLS
/// there is no data plane: the guard would have to decrypt the bytes itself,
/// so blocks keep to the encrypted CAF path.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace troupe::net {

/// The first bytes of a data-plane connection. A BASP header begins with its
/// operation code (0 to 6 in CAF 0.17), so 0xfe tells the two apart.
inline constexpr char kBulkMagic[8] = {'\xfe', 'T', 'R', 'P', 'B', 'L', 'K', '1'};
inline constexpr std::size_t kBulkTicketSize = 16;
/// Magic, ticket and size.
inline constexpr std::size_t kBulkHeaderSize = sizeof kBulkMagic + kBulkTicketSize + 8;

struct BulkReceiverOptions {
  int max_connections = 64;           ///< connections at a time; more are closed at once
  int max_connections_per_peer = 16;  ///< of them from one IP address
  std::size_t max_tickets = 4096;     ///< tickets not yet taken; expect() refuses more
  /// Blocks arriving or arrived and not taken; a block beyond is refused (its
  /// sender sends it another way). Memory is bounded by this times the largest
  /// size a ticket was issued for.
  std::size_t max_held = 256;
  /// Distinct blocks lent at a time (lend()): a model version the aggregator
  /// has let go stays in memory while it is lent, so an admitted peer that
  /// asks for loans and never fetches holds at most this many. Beyond, lend()
  /// refuses (the model goes in a message).
  std::size_t max_lent = 4;
  /// Lent tickets waiting and fetches in progress, of all blocks: lent
  /// tickets leave the rest of max_tickets to blocks sent here.
  std::size_t max_lent_tickets = 1024;
  /// When set, a block of spool_min_bytes or more (an update; never a lent
  /// model) is written to an unlinked file in this directory as it arrives, a
  /// chunk at a time, instead of into memory: take() hands over the file.
  /// When no file can be made there, blocks arrive in memory (logged once).
  std::string spool_dir;
  std::uint64_t spool_min_bytes = std::uint64_t{64} << 20;
  double header_timeout_s = 10.0;  ///< from accepting to a whole header
  double stall_timeout_s = 30.0;   ///< without a byte arriving
  double min_rate = 4096.0;        ///< bytes per second after the stall grace
  double ticket_ttl_s = 3600.0;    ///< a ticket's lifetime unless expect() gives one
  /// Refused connections, at most one line a second (the next counts those left out).
  std::function<void(const std::string&)> log;
};

struct BulkReceiverStats {
  std::uint64_t blocks = 0;       ///< complete blocks received
  std::uint64_t bytes = 0;        ///< in them
  std::uint64_t lent = 0;         ///< lent blocks sent whole
  std::uint64_t lent_bytes = 0;   ///< in them
  std::uint64_t refused = 0;      ///< connections closed for a bad ticket, size, pace or limit
  std::uint64_t connections = 0;  ///< open now
  std::uint64_t held = 0;         ///< blocks arriving or arrived and not taken, now
  std::uint64_t lent_now = 0;     ///< distinct blocks lent, now
  std::uint64_t spooled = 0;      ///< of `blocks`, those written to a file (spool_dir)
};

/// Receives blocks under tickets, and sends blocks lent under tickets.
/// Thread-safe: the guard's thread adopts connections, each block is read or
/// sent by a thread of its own, and the owner's actor asks for tickets, takes
/// blocks and lends them.
class BulkReceiver {
 public:
  explicit BulkReceiver(BulkReceiverOptions options = {});
  ~BulkReceiver();  ///< closes every connection and waits for their threads
  BulkReceiver(const BulkReceiver&) = delete;
  BulkReceiver& operator=(const BulkReceiver&) = delete;

  /// A new ticket for one block of exactly `size` bytes, or "" when
  /// max_tickets are waiting. The ticket, and its block if it arrived, lapse
  /// `lifetime_s` from now (0: ticket_ttl_s), unless the block is arriving then.
  /// `keep_s` > 0: a block that arrived is kept that long after it did,
  /// however long it took (an upload whose message follows it).
  std::string expect(std::uint64_t size, double lifetime_s = 0.0, double keep_s = 0.0);
  /// Moves the block of `ticket` into `out` and forgets the ticket. Returns ""
  /// when the whole block had arrived, else why not (`out` is left alone).
  /// A block written to a file (spool_dir): with `spooled` given, its
  /// descriptor goes there (the caller closes it; the file holds the block
  /// from offset 0) and `out` is left alone; without, it is read into `out`.
  /// `*spooled` is -1 for a block in memory.
  std::string take(const std::string& ticket, std::vector<unsigned char>& out,
                   int* spooled = nullptr);
  /// Drops `ticket` and any bytes of it (a block that went another way).
  void forget(const std::string& ticket);
  /// Whether `ticket` is still here (waiting, its block arriving or
  /// arrived), after dropping the tickets that lapsed.
  bool holds(const std::string& ticket);
  /// Drops the tickets that lapsed, with their blocks. Every other call does
  /// this too; the guard calls it about once a second, so that an idle
  /// receiver does not keep lapsed blocks (a lent model version) until the
  /// next ticket or connection.
  void purge_lapsed();

  /// A new ticket under which one connection fetches the `size` bytes at
  /// `data` (fetch_bulk()), or "" when max_tickets are waiting,
  /// max_lent_tickets are lent, or max_lent other blocks are lent (`owner`
  /// tells blocks apart). `owner` keeps
  /// them alive and unchanged until they are sent or the ticket lapses
  /// (`lifetime_s` as in expect()); a fetch that has begun keeps them until
  /// its connection ends.
  std::string lend(std::shared_ptr<const void> owner, const unsigned char* data, std::uint64_t size,
                   double lifetime_s = 0.0);

  /// Takes over connection `fd` whose first bytes, `first`, began with
  /// kBulkMagic (the guard calls this).
  void adopt(int fd, std::string first);

  /// Where senders reach this process: its guard's port and addresses.
  void set_address(std::uint16_t port, std::vector<std::string> hosts);
  std::uint16_t port() const;
  /// BulkReceiverOptions::spool_dir.
  const std::string& spool_dir() const;
  /// BulkReceiverOptions::spool_min_bytes.
  std::uint64_t spool_min_bytes() const;
  std::vector<std::string> hosts() const;
  BulkReceiverStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Sends `n` bytes at `data` under `ticket` to the BulkReceiver behind the
/// guard at `port` of `hosts`: each in turn (the one that took the last block
/// to `port` first), until one takes the connection (within 5 s) and knows
/// the ticket. Blocks until a receiver answered; returns "" when it has the
/// whole block, else why not (nothing is then kept there). `timeout_s` bounds
/// each stall of the socket. `connected`, when given, tells whether any
/// address took the connection.
std::string send_bulk(const std::vector<std::string>& hosts, std::uint16_t port,
                      const std::string& ticket, const unsigned char* data, std::size_t n,
                      double timeout_s, bool* connected = nullptr);

/// send_bulk()'s last step: reads the receiver's answer on `fd`, skipping
/// what came before `ticket`; "" when it kept the block, else why not.
/// `status`, when given, gets the answer's status byte (-1: none came);
/// `rest`, when given, what came after it (the start of a lent block).
std::string await_bulk_answer(int fd, const std::string& ticket, int* status = nullptr,
                              std::string* rest = nullptr);

/// Fetches the `size` bytes lent under `ticket` (BulkReceiver::lend()) by the
/// receiver behind the guard at `port` of `hosts`, trying them as send_bulk()
/// does, into `out` (resized to `size`). Blocks until they came; returns ""
/// when all did, else why not (`out` is then unspecified). `timeout_s`
/// bounds each stall of the socket, `deadline_s` (> 0) the whole fetch (for a
/// caller that stops waiting then); `connected` as for send_bulk().
std::string fetch_bulk(const std::vector<std::string>& hosts, std::uint16_t port,
                       const std::string& ticket, std::uint64_t size,
                       std::vector<unsigned char>& out, double timeout_s, bool* connected = nullptr,
                       double deadline_s = 0.0);

/// This process's receiver (set by whoever publishes its guarded port), or
/// none: the registry holds it weakly, its owner keeps it alive.
void set_process_bulk_receiver(const std::shared_ptr<BulkReceiver>& receiver);
std::shared_ptr<BulkReceiver> process_bulk_receiver();

}  // namespace troupe::net
