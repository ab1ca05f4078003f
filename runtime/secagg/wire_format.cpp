#include "runtime/secagg/wire_format.hpp"

#include <cstring>

#include "runtime/secagg/bit_packing.hpp"

namespace troupe::runtime::secagg {
namespace {

constexpr std::size_t kEnvelopeMin = 8 + 4;
constexpr std::size_t kShareBytes = 8 * kShareChunks;

}  // namespace

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::advertisement:
      return "advertisement";
    case Kind::roster:
      return "roster";
    case Kind::shares:
      return "shares";
    case Kind::inbox:
      return "inbox";
    case Kind::masked:
      return "masked input";
    case Kind::survivors:
      return "survivors";
    case Kind::unmasking:
      return "unmasking";
  }
  return "unknown";
}

std::string a_message(Kind kind) {
  const bool vowel = kind == Kind::advertisement || kind == Kind::inbox || kind == Kind::unmasking;
  return std::string(vowel ? "an " : "a ") + to_string(kind) + " message";
}

Writer::Writer(const Header& h) {
  u32(kMagic).u8(kFormatVersion).u8(static_cast<std::uint8_t>(h.kind)).u64(h.cohort).i64(h.party);
}
Writer& Writer::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}
Writer& Writer::u32(std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}
Writer& Writer::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}
Writer& Writer::key(const Key& k) {
  out_.insert(out_.end(), k.begin(), k.end());
  return *this;
}
Writer& Writer::bytes(const Bytes& b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

Reader::Reader(const Bytes& message, Kind expected) : data_(message) {
  if (message.size() < kHeaderSize)
    throw WireError("a " + std::string(to_string(expected)) + " message shorter than its header");
  if (u32("magic") != kMagic) throw WireError("not a secure-aggregation message (bad magic)");
  const auto version = u8("version");
  if (version != kFormatVersion)
    throw WireError("format version " + std::to_string(version) + ", expected " +
                    std::to_string(kFormatVersion));
  const auto kind = u8("kind");
  if (kind != static_cast<std::uint8_t>(expected))
    throw WireError("a message of kind " + std::to_string(kind) + " where a " +
                    to_string(expected) + " was expected");
  header_.kind = expected;
  header_.cohort = u64("cohort");
  header_.party = i64("party");
}

const std::uint8_t* Reader::take(std::size_t size, const char* field) {
  if (size > left()) throw WireError(std::string("message ends inside its ") + field);
  const std::uint8_t* p = data_.data() + at_;
  at_ += size;
  return p;
}
std::uint8_t Reader::u8(const char* field) {
  return *take(1, field);
}
std::uint32_t Reader::u32(const char* field) {
  const auto* p = take(4, field);
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{p[i]} << (8 * i);
  return v;
}
std::uint64_t Reader::u64(const char* field) {
  const auto* p = take(8, field);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}
Key Reader::key(const char* field) {
  Key k{};
  std::memcpy(k.data(), take(k.size(), field), k.size());
  return k;
}
Bytes Reader::bytes(std::size_t size, const char* field) {
  const auto* p = take(size, field);
  return Bytes(p, p + size);
}
std::uint32_t Reader::count(std::size_t item_size, const char* field) {
  const auto n = u32(field);
  if (item_size > 0 && n > left() / item_size)
    throw WireError(std::string("a ") + field + " of " + std::to_string(n) +
                    " items does not fit the message");
  return n;
}
void Reader::finish() {
  if (left() != 0)
    throw WireError(std::to_string(left()) + " unexpected bytes after the " +
                    to_string(header_.kind));
}

Bytes write_advertisement(const Header& h, const Advertisement& a) {
  return Writer(h).key(a.c_pk).key(a.s_pk).take();
}
Advertisement read_advertisement(Reader& r) {
  Advertisement a;
  a.c_pk = r.key("encryption key");
  a.s_pk = r.key("mask key");
  r.finish();
  return a;
}

Bytes write_roster(const Header& h, const Roster& roster) {
  Writer w(h);
  const auto& p = roster.params;
  w.i32(p.participants).i32(p.degree).i32(p.threshold).i32(p.bits).i64(p.length).u64(p.graph_seed);
  w.u32(static_cast<std::uint32_t>(roster.entries.size()));
  for (const auto& e : roster.entries) w.i64(e.id).key(e.keys.c_pk).key(e.keys.s_pk);
  return w.take();
}
Roster read_roster(Reader& r) {
  Roster roster;
  auto& p = roster.params;
  p.participants = r.i32("participants");
  p.degree = r.i32("degree");
  p.threshold = r.i32("threshold");
  p.bits = r.i32("bits");
  p.length = r.i64("length");
  p.graph_seed = r.u64("graph seed");
  const auto n = r.count(8 + 64, "roster");
  for (std::uint32_t i = 0; i < n; ++i) {
    RosterEntry e;
    e.id = r.i64("participant id");
    e.keys.c_pk = r.key("encryption key");
    e.keys.s_pk = r.key("mask key");
    roster.entries.push_back(e);
  }
  r.finish();
  return roster;
}

Bytes write_envelopes(Writer w, const std::vector<Envelope>& envelopes) {
  w.u32(static_cast<std::uint32_t>(envelopes.size()));
  for (const auto& e : envelopes)
    w.i64(e.peer).u32(static_cast<std::uint32_t>(e.cipher.size())).bytes(e.cipher);
  return w.take();
}
std::vector<Envelope> read_envelopes(Reader& r) {
  std::vector<Envelope> out;
  const auto n = r.count(kEnvelopeMin, "envelope list");
  for (std::uint32_t i = 0; i < n; ++i) {
    Envelope e;
    e.peer = r.i64("envelope peer");
    const auto size = r.u32("envelope size");
    e.cipher = r.bytes(size, "envelope ciphertext");
    out.push_back(std::move(e));
  }
  return out;
}

Bytes write_shares(const Header& h, const SharesMessage& m) {
  Writer w(h);
  w.key(m.commitment);
  return write_envelopes(std::move(w), m.envelopes);
}
SharesMessage read_shares(Reader& r) {
  SharesMessage m;
  m.commitment = r.key("commitment");
  m.envelopes = read_envelopes(r);
  r.finish();
  return m;
}

Bytes write_masked(const Header& h, const std::vector<std::uint64_t>& values, int bits) {
  Writer w(h);
  w.u64(values.size());
  pack_bits(values, bits, w.out());
  return w.take();
}
std::size_t masked_size(std::int64_t length, int bits) {
  return kHeaderSize + sizeof(std::uint64_t) +
         packed_size(static_cast<std::size_t>(std::max<std::int64_t>(0, length)), bits);
}

std::vector<std::uint64_t> read_masked(Reader& r, std::int64_t length, int bits) {
  const auto count = r.u64("length");
  if (count != static_cast<std::uint64_t>(length))
    throw WireError("a masked vector of " + std::to_string(count) + " elements, expected " +
                    std::to_string(length));
  const auto size = packed_size(count, bits);
  if (r.left() != size)
    throw WireError("a masked vector of " + std::to_string(r.left()) + " bytes, expected " +
                    std::to_string(size));
  std::vector<std::uint64_t> values;
  if (!unpack_bits(r.take(size, "masked vector"), count, bits, values))
    throw WireError("a masked vector whose padding bits are not zero");
  r.finish();
  return values;
}

Bytes write_survivors(const Header& h, const SurvivorsMessage& m) {
  Writer w(h);
  w.u32(static_cast<std::uint32_t>(m.masked.size()));
  for (auto id : m.masked) w.i64(id);
  w.u32(static_cast<std::uint32_t>(m.dropped.size()));
  for (auto id : m.dropped) w.i64(id);
  return w.take();
}
SurvivorsMessage read_survivors(Reader& r) {
  SurvivorsMessage m;
  for (auto* list : {&m.masked, &m.dropped}) {
    const auto n = r.count(8, "participant list");
    for (std::uint32_t i = 0; i < n; ++i) list->push_back(r.i64("participant id"));
  }
  r.finish();
  return m;
}

Bytes write_unmasking(const Header& h, const std::vector<RevealedShare>& shares) {
  Writer w(h);
  w.u32(static_cast<std::uint32_t>(shares.size()));
  for (const auto& s : shares) {
    w.i64(s.about).u8(static_cast<std::uint8_t>(s.secret));
    for (auto v : s.share) w.u64(v);
  }
  return w.take();
}
std::vector<RevealedShare> read_unmasking(Reader& r) {
  std::vector<RevealedShare> out;
  const auto n = r.count(8 + 1 + kShareBytes, "share list");
  for (std::uint32_t i = 0; i < n; ++i) {
    RevealedShare s;
    s.about = r.i64("share owner");
    const auto secret = r.u8("secret kind");
    if (secret > 1)
      throw WireError("secret kind " + std::to_string(secret) + " is neither 0 nor 1");
    s.secret = static_cast<Secret>(secret);
    for (auto& v : s.share) {
      v = r.u64("share value");
      if (v >= kFieldPrime) throw WireError("a share value outside the field");
    }
    out.push_back(s);
  }
  r.finish();
  return out;
}

Bytes write_share_pair(const Share& b, const Share& s_sk) {
  Bytes out;
  for (const auto* share : {&b, &s_sk})
    for (auto v : *share)
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return out;
}
std::pair<Share, Share> read_share_pair(const Bytes& plain) {
  if (plain.size() != 2 * kShareBytes) throw WireError("a share envelope of the wrong size");
  std::pair<Share, Share> out;
  std::size_t at = 0;
  for (auto* share : {&out.first, &out.second})
    for (auto& v : *share) {
      v = 0;
      for (int i = 0; i < 8; ++i) v |= std::uint64_t{plain[at++]} << (8 * i);
      if (v >= kFieldPrime) throw WireError("a share value outside the field");
    }
  return out;
}

}  // namespace troupe::runtime::secagg
