#pragma once
/// \file
/// Reconstruction that does not trust the shares: the secret rebuilt from t
/// of them must pass a check (its commitment, or its public key); when it does
/// not, other t-subsets are tried, and once one passes every share off that
/// polynomial is named as wrong.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "runtime/secagg/shamir.hpp"

namespace troupe::runtime::secagg {

/// One received share: the holder's x and the roster index of who sent it.
struct HeldShare {
  std::uint64_t x = 0;
  std::int32_t sender = 0;
  Share share{};
};

struct Reconstruction {
  std::optional<Key> secret;        ///< nullopt: no t-subset tried passed the check
  std::vector<std::int32_t> wrong;  ///< senders whose shares are off the polynomial
};

/// Tries the first t shares, then (on failure) every subset leaving out one
/// or two shares, up to `max_attempts` subsets: that finds the secret when at
/// most two shares are wrong and more than t were received.
Reconstruction reconstruct_checked(const std::vector<HeldShare>& shares, int threshold,
                                   const std::function<bool(const Key&)>& check,
                                   int max_attempts = 4096);

}  // namespace troupe::runtime::secagg
