#include "runtime/secagg/cohort_keys.hpp"

#include <algorithm>

namespace troupe::runtime::secagg {
namespace {

Bytes id_bytes(ParticipantId id) {
  return le_bytes(static_cast<std::uint64_t>(id));
}

std::optional<Key> pair_key(const char* domain, std::uint64_t cohort, ParticipantId a,
                            ParticipantId b, const Key& own_secret, const Key& peer_public) {
  const auto shared = agree(own_secret, peer_public);
  if (!shared) return {};
  return hash(domain, {le_bytes(cohort), id_bytes(std::min(a, b)), id_bytes(std::max(a, b)),
                       Bytes(shared->begin(), shared->end())});
}

}  // namespace

std::optional<Key> pair_mask_seed(std::uint64_t cohort, ParticipantId a, ParticipantId b,
                                  const Key& own_secret, const Key& peer_public) {
  return pair_key("troupe secagg pairwise mask seed", cohort, a, b, own_secret, peer_public);
}

std::optional<Key> envelope_key(std::uint64_t cohort, ParticipantId a, ParticipantId b,
                                const Key& own_secret, const Key& peer_public) {
  return pair_key("troupe secagg share envelope key", cohort, a, b, own_secret, peer_public);
}

Bytes envelope_associated_data(std::uint64_t cohort, ParticipantId from, ParticipantId to) {
  Bytes ad = le_bytes(cohort);
  const auto f = id_bytes(from), t = id_bytes(to);
  ad.insert(ad.end(), f.begin(), f.end());
  ad.insert(ad.end(), t.begin(), t.end());
  return ad;
}

std::array<std::uint8_t, 24> envelope_nonce(ParticipantId from, ParticipantId to) {
  // One key per pair and cohort, used once in each direction: (from, to) is a
  // unique nonce under it.
  std::array<std::uint8_t, 24> nonce{};
  const auto f = id_bytes(from), t = id_bytes(to);
  std::copy(f.begin(), f.end(), nonce.begin());
  std::copy(t.begin(), t.end(), nonce.begin() + 8);
  return nonce;
}

Key self_mask_commitment(std::uint64_t cohort, ParticipantId owner, const Key& b) {
  return hash("troupe secagg self-mask commitment",
              {le_bytes(cohort), id_bytes(owner), Bytes(b.begin(), b.end())});
}

}  // namespace troupe::runtime::secagg
