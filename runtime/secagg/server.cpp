// Server: the relay and unmasker of one secure sum. Each add_* checks one
// message and either accepts it or refuses it with a Verdict naming the
// sender, who then counts as dropped from that stage on; the cohort goes on
// with everyone else. finish() reconstructs, verifies and unmasks.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "runtime/secagg/cohort_keys.hpp"
#include "runtime/secagg/mask_prg.hpp"
#include "runtime/secagg/neighbour_graph.hpp"
#include "runtime/secagg/robust_reconstruction.hpp"
#include "runtime/secagg/secure_aggregation.hpp"
#include "runtime/secagg/wire_format.hpp"

namespace troupe::runtime::secagg {
namespace {

std::string who(ParticipantId id) {
  return "participant " + std::to_string(id);
}

// A key is refused when X25519 with it yields nothing (a low-order point):
// every later agreement with it would fail.
bool usable_key(const Key& public_key) {
  Key probe{};
  probe[0] = 9;  // any fixed scalar will do
  return agree(probe, public_key).has_value();
}

}  // namespace

struct Server::Impl {
  Impl(std::uint64_t tag, const std::vector<ParticipantId>& ids, std::int64_t size,
       std::int32_t width)
      : cohort(tag), expected(ids.begin(), ids.end()), length(size), bits(width) {}

  std::uint64_t cohort;
  std::set<ParticipantId> expected;
  std::int64_t length;
  std::int32_t bits;
  int stage = 0;

  std::map<ParticipantId, std::string> removed;  ///< refused senders, first reason
  std::map<ParticipantId, Advertisement> adverts;
  Roster roster;
  std::unordered_map<ParticipantId, std::int32_t> index_of;
  std::optional<NeighbourGraph> graph;

  std::map<std::int32_t, SharesMessage> shares;   ///< stage 1, by roster index
  std::set<std::int32_t> shared;                  ///< closed stage 1
  std::map<std::int32_t, std::size_t> masked_at;  ///< stage 2: index -> slot in masked
  std::vector<std::vector<std::uint64_t>> masked;
  std::set<std::int32_t> survived, dropped;                       ///< closed stage 2
  std::map<std::int32_t, std::vector<RevealedShare>> unmaskings;  ///< stage 3
  std::vector<std::string> refused_shares;  ///< stage 3 refusals of included ones
  std::set<ParticipantId> muted;            ///< included, but their shares refused

  ParticipantId id_at(std::int32_t i) const { return roster.entries[i].id; }

  Verdict refuse(ParticipantId from, const std::string& reason) {
    const std::string line = who(from) + " " + reason;
    if (stage == 3 && index_of.count(from) != 0 && survived.count(index_of.at(from)) != 0) {
      // Its masked input is in the sum already; only its shares are dropped.
      unmaskings.erase(index_of.at(from));
      muted.insert(from);
      refused_shares.push_back(line);
    } else {
      removed.emplace(from, line);
      // Withdraw what it sent in the stage still open; shares already relayed
      // stay, as others mask with it and need them to unmask.
      const auto at = index_of.find(from);
      if (at != index_of.end() && stage == 1) shares.erase(at->second);
      if (at != index_of.end() && stage == 2 && masked_at.count(at->second) != 0) {
        masked[masked_at.at(at->second)].clear();
        masked_at.erase(at->second);
      }
    }
    return {false, line};
  }

  // The header's checks, common to every client message: format, cohort,
  // stage, membership, sender. nullopt: accepted so far; else the refusal.
  std::optional<Verdict> check_sender(ParticipantId from, const Bytes& message, Kind kind,
                                      int at_stage, std::optional<Reader>& reader) {
    if (stage == 4)
      return Verdict{false, who(from) + " sent " + a_message(kind) + " after the sum was finished"};
    if (removed.count(from) != 0 || muted.count(from) != 0)
      return Verdict{false, who(from) + " was already dropped from this cohort"};
    if (at_stage == 0 ? expected.count(from) == 0 : index_of.count(from) == 0)
      return refuse(from, at_stage == 0 ? "is not expected in this cohort"
                                        : "sends " + std::string(to_string(kind)) +
                                              " for a cohort it did not join");
    try {
      reader.emplace(message, kind);
    } catch (const WireError& e) {
      return refuse(from,
                    "sent a malformed " + std::string(to_string(kind)) + " message: " + e.what());
    }
    const auto& h = reader->header();
    if (h.cohort != cohort)
      return refuse(from, "sent " + a_message(kind) + " of cohort " + std::to_string(h.cohort) +
                              " to cohort " + std::to_string(cohort) + " (a replay?)");
    if (h.party != from)
      return refuse(
          from, "sent " + a_message(kind) + " signed as participant " + std::to_string(h.party));
    if (stage != at_stage)
      return refuse(from, "sent " + a_message(kind) + " during stage " + std::to_string(stage) +
                              " (a replay or a late message)");
    return {};
  }
};

Server::Server(std::uint64_t cohort, std::vector<ParticipantId> expected, std::int64_t length,
               std::int32_t bits)
    : impl_(new Impl(cohort, expected, length, bits)) {
  if (length < 0) throw std::invalid_argument("secure aggregation: negative vector length");
  if (bits < 8 || bits > 64)
    throw std::invalid_argument("secure aggregation: bits must lie in 8..64");
}
Server::~Server() {
  delete impl_;
}
Server::Server(Server&& other) noexcept : impl_(other.impl_) {
  other.impl_ = nullptr;
}
Server& Server::operator=(Server&& other) noexcept {
  std::swap(impl_, other.impl_);
  return *this;
}
int Server::stage() const {
  return impl_->stage;
}
const std::vector<std::vector<std::uint64_t>>& Server::masked_inputs() const {
  return impl_->masked;
}

Verdict Server::add_advertisement(ParticipantId from, const Bytes& message) {
  auto& m = *impl_;
  std::optional<Reader> r;
  if (auto refused = m.check_sender(from, message, Kind::advertisement, 0, r)) return *refused;
  if (m.adverts.count(from) != 0) {
    m.adverts.erase(from);
    return m.refuse(from, "sent a second advertisement");
  }
  Advertisement a;
  try {
    a = read_advertisement(*r);
  } catch (const WireError& e) {
    return m.refuse(from, std::string("sent a malformed advertisement: ") + e.what());
  }
  if (!usable_key(a.c_pk) || !usable_key(a.s_pk))
    return m.refuse(from, "advertised a public key of low order");
  for (const auto& [other, keys] : m.adverts)
    for (const auto& k : {keys.c_pk, keys.s_pk})
      if (k == a.c_pk || k == a.s_pk)
        return m.refuse(from, "advertised a public key of participant " + std::to_string(other));
  if (a.c_pk == a.s_pk) return m.refuse(from, "advertised the same key twice");
  m.adverts.emplace(from, a);
  return {};
}

Bytes Server::close_advertisements() {
  auto& m = *impl_;
  if (m.stage != 0) throw std::logic_error("secure aggregation: advertisements already closed");
  if (m.adverts.size() < 2)
    throw std::runtime_error("secure aggregation: " + std::to_string(m.adverts.size()) +
                             " participant(s) advertised keys; a secure sum needs at least 2");
  auto params = choose_params(static_cast<std::int32_t>(m.adverts.size()), m.length, m.bits);
  params.graph_seed = Rng().next_u64();  // public, but no participant picks its neighbours
  m.roster.params = params;
  for (const auto& [id, keys] : m.adverts) {
    m.index_of.emplace(id, static_cast<std::int32_t>(m.roster.entries.size()));
    m.roster.entries.push_back({id, keys});
  }
  m.graph.emplace(params);
  m.stage = 1;
  return write_roster({Kind::roster, m.cohort, 0}, m.roster);
}

Verdict Server::add_shares(ParticipantId from, const Bytes& message) {
  auto& m = *impl_;
  std::optional<Reader> r;
  if (auto refused = m.check_sender(from, message, Kind::shares, 1, r)) return *refused;
  const auto i = m.index_of.at(from);
  if (m.shares.count(i) != 0) return m.refuse(from, "sent its shares twice");
  SharesMessage s;
  try {
    s = read_shares(*r);
  } catch (const WireError& e) {
    return m.refuse(from, std::string("sent malformed shares: ") + e.what());
  }
  const auto neighbours = m.graph->of(i);
  std::set<ParticipantId> seen;
  const std::size_t envelope_size = 2 * 8 * kShareChunks + seal_overhead();
  for (const auto& e : s.envelopes) {
    const auto at = m.index_of.find(e.peer);
    if (at == m.index_of.end() || !m.graph->adjacent(i, at->second))
      return m.refuse(
          from, "addressed shares to participant " + std::to_string(e.peer) + ", not a neighbour");
    if (!seen.insert(e.peer).second)
      return m.refuse(from, "addressed shares to participant " + std::to_string(e.peer) + " twice");
    if (e.cipher.size() != envelope_size)
      return m.refuse(from, "sent an envelope of " + std::to_string(e.cipher.size()) +
                                " bytes to participant " + std::to_string(e.peer) + ", expected " +
                                std::to_string(envelope_size));
  }
  if (seen.size() != neighbours.size())
    return m.refuse(from, "sent shares to " + std::to_string(seen.size()) + " of its " +
                              std::to_string(neighbours.size()) + " neighbours");
  m.shares.emplace(i, std::move(s));
  return {};
}

void Server::close_shares() {
  auto& m = *impl_;
  if (m.stage != 1) throw std::logic_error("secure aggregation: close_shares out of order");
  for (const auto& [i, s] : m.shares) m.shared.insert(i);
  m.stage = 2;
}

Bytes Server::inbox(ParticipantId to) const {
  const auto& m = *impl_;
  if (m.stage < 2) throw std::logic_error("secure aggregation: inbox before the shares closed");
  const auto at = m.index_of.find(to);
  if (at == m.index_of.end() || m.shared.count(at->second) == 0)
    throw std::runtime_error("secure aggregation: " + who(to) + " has no inbox (it did not share)");
  std::vector<Envelope> envelopes;
  for (auto v : m.graph->of(at->second)) {
    if (m.shared.count(v) == 0) continue;
    for (const auto& e : m.shares.at(v).envelopes)
      if (e.peer == to) envelopes.push_back({m.id_at(v), e.cipher});
  }
  return write_envelopes(Writer({Kind::inbox, m.cohort, to}), envelopes);
}

Verdict Server::add_masked(ParticipantId from, const Bytes& message) {
  auto& m = *impl_;
  std::optional<Reader> r;
  if (auto refused = m.check_sender(from, message, Kind::masked, 2, r)) return *refused;
  const auto i = m.index_of.at(from);
  if (m.shared.count(i) == 0) return m.refuse(from, "sent a masked input but no shares");
  if (m.masked_at.count(i) != 0) return m.refuse(from, "sent a second masked input");
  try {
    auto values = read_masked(*r, m.length, m.bits);
    m.masked_at.emplace(i, m.masked.size());
    m.masked.push_back(std::move(values));
  } catch (const WireError& e) {
    return m.refuse(from, std::string("sent a malformed masked input: ") + e.what());
  }
  return {};
}

Bytes Server::close_masked() {
  auto& m = *impl_;
  if (m.stage != 2) throw std::logic_error("secure aggregation: close_masked out of order");
  for (auto i : m.shared) (m.masked_at.count(i) != 0 ? m.survived : m.dropped).insert(i);
  if (static_cast<std::int32_t>(m.survived.size()) < m.roster.params.threshold)
    throw std::runtime_error("secure aggregation: only " + std::to_string(m.survived.size()) +
                             " participants sent masked inputs; unmasking needs at least " +
                             std::to_string(m.roster.params.threshold));
  m.stage = 3;
  SurvivorsMessage out;
  for (auto i : m.survived) out.masked.push_back(m.id_at(i));
  for (auto i : m.dropped) out.dropped.push_back(m.id_at(i));
  return write_survivors({Kind::survivors, m.cohort, 0}, out);
}

Verdict Server::add_unmasking(ParticipantId from, const Bytes& message) {
  auto& m = *impl_;
  std::optional<Reader> r;
  if (auto refused = m.check_sender(from, message, Kind::unmasking, 3, r)) return *refused;
  const auto i = m.index_of.at(from);
  if (m.survived.count(i) == 0)
    return m.refuse(from, "sent shares for unmasking but no masked input");
  if (m.unmaskings.count(i) != 0) return m.refuse(from, "sent its unmasking shares twice");
  std::vector<RevealedShare> revealed;
  try {
    revealed = read_unmasking(*r);
  } catch (const WireError& e) {
    return m.refuse(from, std::string("sent malformed unmasking shares: ") + e.what());
  }
  std::set<ParticipantId> seen;
  for (const auto& s : revealed) {
    const auto at = m.index_of.find(s.about);
    if (at == m.index_of.end())
      return m.refuse(from, "sent a share of participant " + std::to_string(s.about) +
                                ", who is not in the roster");
    const auto owner = at->second;
    if (!seen.insert(s.about).second)
      return m.refuse(from, "sent a second share of participant " + std::to_string(s.about));
    const bool holder = owner == i ? s.secret == Secret::self_mask_seed
                                   : m.graph->adjacent(i, owner) && m.shared.count(owner) != 0;
    if (!holder)
      return m.refuse(
          from, "sent a share of participant " + std::to_string(s.about) + " that it cannot hold");
    const bool wanted = s.secret == Secret::self_mask_seed ? m.survived.count(owner) != 0
                                                           : m.dropped.count(owner) != 0;
    if (!wanted)
      return m.refuse(
          from, std::string("sent a share of participant ") + std::to_string(s.about) + "'s " +
                    (s.secret == Secret::self_mask_seed ? "self-mask seed" : "mask key") +
                    ", which unmasking must not learn");
  }
  m.unmaskings.emplace(i, std::move(revealed));
  return {};
}

SumResult Server::finish() {
  auto& m = *impl_;
  if (m.stage != 3) throw std::logic_error("secure aggregation: finish out of order");
  const auto& p = m.roster.params;
  // Gather the revealed shares by owner and secret.
  std::map<std::pair<std::int32_t, Secret>, std::vector<HeldShare>> by_secret;
  for (const auto& [sender, revealed] : m.unmaskings)
    for (const auto& s : revealed)
      by_secret[{m.index_of.at(s.about), s.secret}].push_back(
          {static_cast<std::uint64_t>(sender) + 1, sender, s.share});

  std::vector<std::string> failures;
  std::set<std::int32_t> wrong;
  auto rebuild = [&](std::int32_t owner, Secret secret,
                     const std::function<bool(const Key&)>& check, const char* what) {
    const auto& held = by_secret[{owner, secret}];
    auto result = reconstruct_checked(held, p.threshold, check);
    wrong.insert(result.wrong.begin(), result.wrong.end());
    if (!result.secret)
      failures.push_back("cannot reconstruct the " + std::string(what) + " of " +
                         who(m.id_at(owner)) + ": " + std::to_string(held.size()) +
                         " shares received, " + std::to_string(p.threshold) +
                         " consistent ones needed");
    return result.secret;
  };
  SumResult out;
  std::vector<std::uint64_t> sum(static_cast<std::size_t>(p.length), 0);
  const auto ring = ring_mask(p.bits);
  for (const auto& values : m.masked)
    if (!values.empty())
      for (std::size_t k = 0; k < sum.size(); ++k) sum[k] = (sum[k] + values[k]) & ring;
  for (auto u : m.survived) {
    const auto& commitment = m.shares.at(u).commitment;
    const auto id = m.id_at(u);
    const auto b = rebuild(
        u, Secret::self_mask_seed,
        [&](const Key& k) { return self_mask_commitment(m.cohort, id, k) == commitment; },
        "self-mask seed");
    if (b) apply_mask(sum, *b, MaskPurpose::self, p.bits, /*subtract=*/true);
  }
  for (auto v : m.dropped) {
    const auto& advertised = m.roster.entries[v].keys.s_pk;
    const auto s_sk = rebuild(
        v, Secret::mask_key, [&](const Key& k) { return public_key_of(k) == advertised; },
        "mask key (shares that give keys not matching the advertised one)");
    if (!s_sk) continue;
    // Each surviving neighbour u added +PRG(s_uv) if it comes first in the
    // roster, else -PRG(s_uv): take that out again.
    for (auto u : m.graph->of(v)) {
      if (m.survived.count(u) == 0) continue;
      const auto seed =
          pair_mask_seed(m.cohort, m.id_at(v), m.id_at(u), *s_sk, m.roster.entries[u].keys.s_pk);
      apply_mask(sum, *seed, MaskPurpose::pair, p.bits, /*subtract=*/u < v);
    }
  }
  if (!failures.empty()) {
    std::string message = "secure aggregation of cohort " + std::to_string(m.cohort) + " failed:";
    for (const auto& f : failures) message += " " + f + ";";
    throw std::runtime_error(message);
  }
  for (auto w : wrong)
    out.refused_shares.push_back(
        who(m.id_at(w)) + " sent a wrong share (off the polynomial the verified ones lie on)");
  out.refused_shares.insert(out.refused_shares.begin(), m.refused_shares.begin(),
                            m.refused_shares.end());
  out.sum = std::move(sum);
  for (auto u : m.survived) out.included.push_back(m.id_at(u));
  for (auto v : m.dropped) out.recovered.push_back(m.id_at(v));
  std::set<ParticipantId> accounted(out.included.begin(), out.included.end());
  accounted.insert(out.recovered.begin(), out.recovered.end());
  for (const auto& [id, line] : m.removed)
    if (accounted.insert(id).second) out.excluded.push_back(line);
  for (auto id : m.expected) {
    if (!accounted.insert(id).second) continue;
    if (m.index_of.count(id) == 0)
      out.excluded.push_back(who(id) + " did not advertise keys");
    else
      out.excluded.push_back(who(id) + " did not send its shares");
  }
  m.stage = 4;
  return out;
}

std::vector<ParticipantId> Server::active() const {
  const auto& m = *impl_;
  std::vector<ParticipantId> out;
  auto add = [&](std::int32_t i) {
    if (m.removed.count(m.id_at(i)) == 0) out.push_back(m.id_at(i));
  };
  switch (m.stage) {
    case 0:
      for (const auto& [id, keys] : m.adverts) out.push_back(id);
      break;
    case 1:
      for (std::size_t i = 0; i < m.roster.entries.size(); ++i) add(static_cast<std::int32_t>(i));
      break;
    case 2:
      for (auto i : m.shared) add(i);
      break;
    default:
      for (auto i : m.survived) add(i);
      break;
  }
  return out;
}

}  // namespace troupe::runtime::secagg
