// Client: one participant's side of one secure sum (secure_aggregation.hpp
// draws the four stages). It checks everything the server relays to it: the
// roster must hold its own keys and no duplicates, envelopes must decrypt
// under the pairwise key with sender and recipient bound, and it never
// reveals both secrets of one neighbour.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "runtime/secagg/cohort_keys.hpp"
#include "runtime/secagg/mask_prg.hpp"
#include "runtime/secagg/neighbour_graph.hpp"
#include "runtime/secagg/secure_aggregation.hpp"
#include "runtime/secagg/shamir.hpp"
#include "runtime/secagg/wire_format.hpp"

namespace troupe::runtime::secagg {

struct Client::Impl {
  Impl(std::uint64_t cohort_tag, ParticipantId self, std::optional<std::uint64_t> seed)
      : cohort(cohort_tag),
        id(self),
        rng(seed,
            "troupe secagg client " + std::to_string(self) + " of " + std::to_string(cohort_tag)) {}

  std::uint64_t cohort;
  ParticipantId id;
  Rng rng;
  int stage = 0;  ///< the next call expected: 0 advertise .. 3 unmask, 4 done
  KeyPair c, s;
  Roster roster;
  std::int32_t index = -1;
  std::unordered_map<ParticipantId, std::int32_t> index_of;
  std::optional<NeighbourGraph> graph;
  Key b{};
  Share own_b_share{};
  std::map<std::int32_t, std::pair<Share, Share>> held;  ///< neighbour -> (b, s_sk) shares

  void expect_stage(int s_expected, const char* call) {
    if (stage != s_expected)
      throw std::logic_error(std::string("secure aggregation client: ") + call +
                             " called out of order");
    ++stage;
  }

  Reader open_message(const Bytes& message, Kind kind, ParticipantId party) const {
    try {
      Reader r(message, kind);
      if (r.header().cohort != cohort)
        throw std::runtime_error(a_message(kind) + " of cohort " +
                                 std::to_string(r.header().cohort) + ", this is cohort " +
                                 std::to_string(cohort));
      if (r.header().party != party)
        throw std::runtime_error(a_message(kind) + " for participant " +
                                 std::to_string(r.header().party));
      return r;
    } catch (const WireError& e) {
      throw std::runtime_error(std::string("secure aggregation: malformed ") + to_string(kind) +
                               ": " + e.what());
    }
  }

  const RosterEntry& entry(std::int32_t i) const { return roster.entries[i]; }

  void read_roster_checked(const Bytes& message) {
    Reader r = open_message(message, Kind::roster, 0);
    try {
      roster = read_roster(r);
      check_params(roster.params);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("secure aggregation: malformed roster: ") + e.what());
    }
    const auto& p = roster.params;
    if (static_cast<std::int64_t>(roster.entries.size()) != p.participants)
      throw std::runtime_error("secure aggregation: the roster lists " +
                               std::to_string(roster.entries.size()) + " participants, not " +
                               std::to_string(p.participants));
    std::set<Key> keys;
    for (std::size_t i = 0; i < roster.entries.size(); ++i) {
      const auto& e = roster.entries[i];
      if (!index_of.emplace(e.id, static_cast<std::int32_t>(i)).second)
        throw std::runtime_error("secure aggregation: the roster lists participant " +
                                 std::to_string(e.id) + " twice");
      if (!keys.insert(e.keys.c_pk).second || !keys.insert(e.keys.s_pk).second)
        throw std::runtime_error(
            "secure aggregation: the roster repeats a public key (participant " +
            std::to_string(e.id) + ")");
    }
    const auto self = index_of.find(id);
    if (self == index_of.end())
      throw std::runtime_error("secure aggregation: the roster lacks this participant (" +
                               std::to_string(id) + ")");
    index = self->second;
    if (entry(index).keys.c_pk != c.public_key || entry(index).keys.s_pk != s.public_key)
      throw std::runtime_error("secure aggregation: the roster holds other keys for participant " +
                               std::to_string(id) + " than it advertised");
    graph.emplace(p);
  }
};

Client::Client(std::uint64_t cohort, ParticipantId id, std::optional<std::uint64_t> seed)
    : impl_(new Impl(cohort, id, seed)) {}
Client::~Client() {
  delete impl_;
}
Client::Client(Client&& other) noexcept : impl_(other.impl_) {
  other.impl_ = nullptr;
}
Client& Client::operator=(Client&& other) noexcept {
  std::swap(impl_, other.impl_);
  return *this;
}
ParticipantId Client::id() const {
  return impl_->id;
}

Bytes Client::advertise() {
  auto& m = *impl_;
  m.expect_stage(0, "advertise");
  m.c = make_key_pair(m.rng);
  m.s = make_key_pair(m.rng);
  return write_advertisement({Kind::advertisement, m.cohort, m.id},
                             {m.c.public_key, m.s.public_key});
}

Bytes Client::share(const Bytes& roster) {
  auto& m = *impl_;
  m.expect_stage(1, "share");
  m.read_roster_checked(roster);
  const auto neighbours = m.graph->of(m.index);
  // Holders: the neighbours and this participant itself (its own share of b
  // lets a survivor's b be rebuilt with one neighbour fewer).
  std::vector<std::uint64_t> xs;
  for (auto v : neighbours) xs.push_back(static_cast<std::uint64_t>(v) + 1);
  xs.push_back(static_cast<std::uint64_t>(m.index) + 1);
  m.b = m.rng.key();
  const auto t = m.roster.params.threshold;
  const auto b_shares = split_secret(m.b, t, xs, m.rng);
  const auto s_shares = split_secret(m.s.secret_key, t, xs, m.rng);
  m.own_b_share = b_shares.back();

  SharesMessage out;
  out.commitment = self_mask_commitment(m.cohort, m.id, m.b);
  for (std::size_t i = 0; i < neighbours.size(); ++i) {
    const auto& peer = m.entry(neighbours[i]);
    const auto key = envelope_key(m.cohort, m.id, peer.id, m.c.secret_key, peer.keys.c_pk);
    if (!key)
      throw std::runtime_error("secure aggregation: participant " + std::to_string(peer.id) +
                               " advertised an unusable encryption key");
    out.envelopes.push_back({peer.id, seal(*key, envelope_nonce(m.id, peer.id),
                                           write_share_pair(b_shares[i], s_shares[i]),
                                           envelope_associated_data(m.cohort, m.id, peer.id))});
  }
  return write_shares({Kind::shares, m.cohort, m.id}, out);
}

Bytes Client::mask(const Bytes& inbox, const std::vector<std::uint64_t>& input) {
  auto& m = *impl_;
  m.expect_stage(2, "mask");
  const auto& p = m.roster.params;
  if (static_cast<std::int64_t>(input.size()) != p.length)
    throw std::invalid_argument("secure aggregation: an input of " + std::to_string(input.size()) +
                                " elements, the cohort's length is " + std::to_string(p.length));
  const auto ring = ring_mask(p.bits);
  for (auto v : input)
    if ((v & ~ring) != 0)
      throw std::invalid_argument("secure aggregation: an input element above 2^" +
                                  std::to_string(p.bits));
  Reader r = m.open_message(inbox, Kind::inbox, m.id);
  std::vector<Envelope> envelopes;
  try {
    envelopes = read_envelopes(r);
    r.finish();
  } catch (const WireError& e) {
    throw std::runtime_error(std::string("secure aggregation: malformed inbox: ") + e.what());
  }
  for (const auto& e : envelopes) {
    const auto at = m.index_of.find(e.peer);
    if (at == m.index_of.end() || !m.graph->adjacent(m.index, at->second))
      throw std::runtime_error("secure aggregation: the inbox holds shares from participant " +
                               std::to_string(e.peer) + ", not a neighbour");
    if (m.held.count(at->second) != 0)
      throw std::runtime_error(
          "secure aggregation: the inbox holds two envelopes from participant " +
          std::to_string(e.peer));
    const auto& peer = m.entry(at->second);
    const auto key = envelope_key(m.cohort, m.id, peer.id, m.c.secret_key, peer.keys.c_pk);
    const auto plain = key ? open(*key, envelope_nonce(peer.id, m.id), e.cipher,
                                  envelope_associated_data(m.cohort, peer.id, m.id))
                           : std::nullopt;
    if (!plain)
      throw std::runtime_error("secure aggregation: the shares from participant " +
                               std::to_string(peer.id) +
                               " do not decrypt (altered or misdirected)");
    try {
      m.held.emplace(at->second, read_share_pair(*plain));
    } catch (const WireError& err) {
      throw std::runtime_error("secure aggregation: the shares from participant " +
                               std::to_string(peer.id) + ": " + err.what());
    }
  }

  // y = x + PRG(b) + sum over neighbours v that shared of +-PRG(s_uv): the
  // smaller roster index adds, the larger subtracts, so pairs cancel in the sum.
  std::vector<std::uint64_t> masked = input;
  apply_mask(masked, m.b, MaskPurpose::self, p.bits, /*subtract=*/false);
  for (const auto& [v, shares] : m.held) {
    const auto& peer = m.entry(v);
    const auto seed = pair_mask_seed(m.cohort, m.id, peer.id, m.s.secret_key, peer.keys.s_pk);
    if (!seed)
      throw std::runtime_error("secure aggregation: participant " + std::to_string(peer.id) +
                               " advertised an unusable mask key");
    apply_mask(masked, *seed, MaskPurpose::pair, p.bits, /*subtract=*/m.index > v);
  }
  return write_masked({Kind::masked, m.cohort, m.id}, masked, p.bits);
}

Bytes Client::unmask(const Bytes& survivors) {
  auto& m = *impl_;
  m.expect_stage(3, "unmask");
  Reader r = m.open_message(survivors, Kind::survivors, 0);
  SurvivorsMessage lists;
  try {
    lists = read_survivors(r);
  } catch (const WireError& e) {
    throw std::runtime_error(std::string("secure aggregation: malformed survivors: ") + e.what());
  }
  const std::set<ParticipantId> masked(lists.masked.begin(), lists.masked.end());
  const std::set<ParticipantId> dropped(lists.dropped.begin(), lists.dropped.end());
  std::vector<RevealedShare> out;
  for (auto id : masked) {
    if (dropped.count(id) != 0)
      throw std::runtime_error(
          "secure aggregation: the server asks for both secrets of participant " +
          std::to_string(id) + "; refused");
    if (id == m.id) {
      out.push_back({id, Secret::self_mask_seed, m.own_b_share});
      continue;
    }
    const auto at = m.index_of.find(id);
    if (at == m.index_of.end())
      throw std::runtime_error("secure aggregation: the server names participant " +
                               std::to_string(id) + ", who is not in the roster");
    const auto held = m.held.find(at->second);
    if (held != m.held.end()) {
      out.push_back({id, Secret::self_mask_seed, held->second.first});
    } else if (m.graph->adjacent(m.index, at->second)) {
      // A neighbour who masked must have shared, so its envelope reached this
      // inbox and the two masked with each other: otherwise the sum is wrong.
      throw std::runtime_error("secure aggregation: the server lists participant " +
                               std::to_string(id) + " as masked, whose shares never arrived here");
    }
  }
  for (auto id : dropped) {
    if (id == m.id)
      throw std::runtime_error(
          "secure aggregation: the server asks for this participant's own mask key; refused");
    const auto at = m.index_of.find(id);
    if (at == m.index_of.end())
      throw std::runtime_error("secure aggregation: the server names participant " +
                               std::to_string(id) + ", who is not in the roster");
    const auto held = m.held.find(at->second);
    if (held != m.held.end()) {
      out.push_back({id, Secret::mask_key, held->second.second});
    } else if (m.graph->adjacent(m.index, at->second)) {
      throw std::runtime_error(
          "secure aggregation: the server asks for the mask key of participant " +
          std::to_string(id) + ", whose shares never arrived here");
    }
  }
  return write_unmasking({Kind::unmasking, m.cohort, m.id}, out);
}

}  // namespace troupe::runtime::secagg
