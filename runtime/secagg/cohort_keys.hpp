#pragma once
/// \file
/// Every secret a cohort derives, each a hash keyed by its purpose over the
/// cohort tag and the ids involved (smaller id first where two are), so that
/// nothing derived for one cohort, pair or purpose is of use in another.

#include <array>
#include <optional>

#include "runtime/secagg/secure_aggregation.hpp"
#include "runtime/secagg/sodium.hpp"

namespace troupe::runtime::secagg {

/// s_uv: the pairwise mask seed of u and v from X25519(s_sk_u, s_pk_v);
/// nullopt when the public key is of low order (no agreement).
std::optional<Key> pair_mask_seed(std::uint64_t cohort, ParticipantId a, ParticipantId b,
                                  const Key& own_secret, const Key& peer_public);

/// The AEAD key of the share envelopes between a and b, from X25519(c_sk, c_pk).
std::optional<Key> envelope_key(std::uint64_t cohort, ParticipantId a, ParticipantId b,
                                const Key& own_secret, const Key& peer_public);

/// Associated data and nonce of the envelope from `from` to `to`: the AEAD
/// binds cohort, sender and recipient, so a relayed envelope cannot be moved
/// to another recipient, sender or cohort unnoticed.
Bytes envelope_associated_data(std::uint64_t cohort, ParticipantId from, ParticipantId to);
std::array<std::uint8_t, 24> envelope_nonce(ParticipantId from, ParticipantId to);

/// The commitment to a self-mask seed b, sent with the shares so the server
/// can tell a correct reconstruction of b from a wrong one.
Key self_mask_commitment(std::uint64_t cohort, ParticipantId owner, const Key& b);

}  // namespace troupe::runtime::secagg
