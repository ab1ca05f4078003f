#include "runtime/secagg/robust_reconstruction.hpp"

namespace troupe::runtime::secagg {
namespace {

// The secret from the first t shares not left out, if it passes the check.
std::optional<Key> try_subset(const std::vector<HeldShare>& shares, int threshold,
                              const std::vector<bool>& left_out,
                              const std::function<bool(const Key&)>& check,
                              std::vector<std::uint64_t>& xs, std::vector<Share>& ys) {
  xs.clear();
  ys.clear();
  for (std::size_t i = 0; i < shares.size() && static_cast<int>(xs.size()) < threshold; ++i) {
    if (left_out[i]) continue;
    xs.push_back(shares[i].x);
    ys.push_back(shares[i].share);
  }
  if (static_cast<int>(xs.size()) < threshold) return {};
  auto secret = reconstruct_secret(xs, ys);
  if (secret && check(*secret)) return secret;
  return {};
}

}  // namespace

Reconstruction reconstruct_checked(const std::vector<HeldShare>& shares, int threshold,
                                   const std::function<bool(const Key&)>& check, int max_attempts) {
  Reconstruction out;
  const std::size_t n = shares.size();
  if (static_cast<int>(n) < threshold) return out;
  std::vector<bool> left_out(n, false);
  std::vector<std::uint64_t> xs;
  std::vector<Share> ys;
  out.secret = try_subset(shares, threshold, left_out, check, xs, ys);
  if (out.secret) return out;  // the common case: no one lied, nothing more to do

  int attempts = 1;
  for (std::size_t i = 0; i < n && !out.secret && attempts < max_attempts; ++i) {
    left_out[i] = true;
    out.secret = try_subset(shares, threshold, left_out, check, xs, ys);
    ++attempts;
    for (std::size_t j = i + 1; j < n && !out.secret && attempts < max_attempts; ++j) {
      left_out[j] = true;
      out.secret = try_subset(shares, threshold, left_out, check, xs, ys);
      ++attempts;
      left_out[j] = false;
    }
    left_out[i] = false;
  }
  if (!out.secret) return out;
  // xs, ys hold the subset that passed: a share off its polynomial is wrong.
  for (const auto& held : shares)
    if (interpolate(xs, ys, held.x) != held.share) out.wrong.push_back(held.sender);
  return out;
}

}  // namespace troupe::runtime::secagg
