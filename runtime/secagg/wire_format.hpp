#pragma once
/// \file
/// The byte formats of the seven secure-aggregation messages. All integers are
/// little-endian. Every message opens with the same 22-byte header:
///
///   u32 magic "TSAG" | u8 format version (1) | u8 kind | u64 cohort tag | i64 party
///
/// where `party` is the sender of a client message, the addressee of an Inbox,
/// and 0 in the Roster and Survivors that every participant gets alike. After
/// the header, by kind:
///
///   0 Advertisement  32 c_pk | 32 s_pk                    (X25519 public keys)
///   1 Roster         i32 n | i32 k | i32 t | i32 bits | i64 length | u64 graph_seed |
///                    u32 count | count x (i64 id | 32 c_pk | 32 s_pk)
///   2 Shares         32 commitment to b | u32 count | count x envelope to a neighbour
///   3 Inbox          u32 count | count x envelope from a neighbour
///                    envelope: i64 peer | u32 size | size bytes of XChaCha20-Poly1305
///                    ciphertext of (5 x u64 share of b | 5 x u64 share of s_sk)
///   4 MaskedInput    u64 length | ceil(length * bits / 8) bytes, bits per element
///   5 Survivors      u32 count | count x i64 (masked) | u32 count | count x i64
///                    (dropped after sharing)
///   6 Unmasking      u32 count | count x (i64 about | u8 secret: 0 b, 1 s_sk |
///                    5 x u64 share)
///
/// Nothing shorter, longer or otherwise off is read: a Reader throws
/// WireError naming the field.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/secagg/secure_aggregation.hpp"
#include "runtime/secagg/shamir.hpp"
#include "runtime/secagg/sodium.hpp"

namespace troupe::runtime::secagg {

inline constexpr std::uint32_t kMagic = 0x47415354;  // "TSAG" little-endian
inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderSize = 22;

enum class Kind : std::uint8_t {
  advertisement = 0,
  roster = 1,
  shares = 2,
  inbox = 3,
  masked = 4,
  survivors = 5,
  unmasking = 6,
};
const char* to_string(Kind kind);
/// "an advertisement message", "a shares message", ...: for error lines.
std::string a_message(Kind kind);

/// A message that cannot be read; what() names the field.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Header {
  Kind kind = Kind::advertisement;
  std::uint64_t cohort = 0;
  ParticipantId party = 0;
};

struct Advertisement {
  Key c_pk{};  ///< for the share ciphertexts
  Key s_pk{};  ///< for the pairwise mask seeds
};
struct RosterEntry {
  ParticipantId id = 0;
  Advertisement keys;
};
struct Roster {
  Params params;
  std::vector<RosterEntry> entries;
};
struct Envelope {
  ParticipantId peer = 0;  ///< recipient in Shares, sender in an Inbox
  Bytes cipher;
};
struct SharesMessage {
  Key commitment{};
  std::vector<Envelope> envelopes;
};
struct SurvivorsMessage {
  std::vector<ParticipantId> masked;
  std::vector<ParticipantId> dropped;
};
enum class Secret : std::uint8_t { self_mask_seed = 0, mask_key = 1 };
struct RevealedShare {
  ParticipantId about = 0;
  Secret secret = Secret::self_mask_seed;
  Share share{};
};

/// Builds a message: the header, then the body's fields.
class Writer {
 public:
  explicit Writer(const Header& header);
  Writer& u8(std::uint8_t v);
  Writer& u32(std::uint32_t v);
  Writer& u64(std::uint64_t v);
  Writer& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
  Writer& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  Writer& key(const Key& k);
  Writer& bytes(const Bytes& b);
  Bytes& out() { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

/// Reads a message: the header first, then the body's fields in order.
class Reader {
 public:
  /// Throws WireError when the header is short, of another format or version,
  /// or not of `expected` kind.
  Reader(const Bytes& message, Kind expected);
  const Header& header() const { return header_; }
  std::uint8_t u8(const char* field);
  std::uint32_t u32(const char* field);
  std::uint64_t u64(const char* field);
  std::int32_t i32(const char* field) { return static_cast<std::int32_t>(u32(field)); }
  std::int64_t i64(const char* field) { return static_cast<std::int64_t>(u64(field)); }
  Key key(const char* field);
  Bytes bytes(std::size_t size, const char* field);
  /// A count of items of at least `item_size` bytes each, checked against
  /// what is left (so a forged count cannot make us allocate).
  std::uint32_t count(std::size_t item_size, const char* field);
  const std::uint8_t* take(std::size_t size, const char* field);
  std::size_t left() const { return data_.size() - at_; }
  /// Throws unless every byte was read.
  void finish();

 private:
  const Bytes& data_;
  std::size_t at_ = 0;
  Header header_;
};

Bytes write_advertisement(const Header& h, const Advertisement& a);
Advertisement read_advertisement(Reader& r);
Bytes write_roster(const Header& h, const Roster& roster);
Roster read_roster(Reader& r);
Bytes write_envelopes(Writer w, const std::vector<Envelope>& envelopes);
std::vector<Envelope> read_envelopes(Reader& r);
Bytes write_shares(const Header& h, const SharesMessage& m);
SharesMessage read_shares(Reader& r);
Bytes write_masked(const Header& h, const std::vector<std::uint64_t>& values, int bits);
std::vector<std::uint64_t> read_masked(Reader& r, std::int64_t length, int bits);
/// The bytes of a masked input of `length` elements of `bits` bits (what
/// write_masked() writes): what an aggregator expects of one sent in parts.
std::size_t masked_size(std::int64_t length, int bits);
Bytes write_survivors(const Header& h, const SurvivorsMessage& m);
SurvivorsMessage read_survivors(Reader& r);
Bytes write_unmasking(const Header& h, const std::vector<RevealedShare>& shares);
std::vector<RevealedShare> read_unmasking(Reader& r);

/// The plaintext of an envelope: shares of b and s_sk for one recipient.
Bytes write_share_pair(const Share& b, const Share& s_sk);
/// Throws WireError when not exactly two shares of field elements.
std::pair<Share, Share> read_share_pair(const Bytes& plain);

}  // namespace troupe::runtime::secagg
