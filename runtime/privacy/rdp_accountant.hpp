#pragma once
/// \file
/// The Rényi-DP accountant of the sampled Gaussian mechanism (Mironov, Talwar
/// and Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
/// Mechanism"): each step releases a sum of clipped contributions plus
/// N(0, (sigma * C)^2) noise, every contributor taking part with probability q.
/// The RDP of one step at order alpha is computed in log space (integer orders
/// by the binomial expansion, fractional ones by the two erfc series of the
/// paper's Section 3.3), as TensorFlow Privacy's rdp_accountant and Opacus do;
/// RDP composes by adding over steps and is converted to (epsilon, delta) at the
/// best order. Pure functions: no state, no randomness.

#include <cstdint>
#include <vector>

namespace troupe::runtime {

/// How RDP becomes (epsilon, delta).
enum class RdpConversion {
  /// Balle et al. 2020, "Hypothesis Testing Interpretations and Rényi
  /// Differential Privacy", Theorem 21 (also Canonne, Kamath, Steinke 2020):
  /// epsilon = rdp + log1p(-1/alpha) - log(delta * alpha) / (alpha - 1).
  /// What Opacus and TensorFlow Privacy's dp_accounting report today; the default.
  balle2020,
  /// Mironov 2017, Proposition 3: epsilon = rdp - log(delta) / (alpha - 1).
  /// Looser; what TensorFlow Privacy's tutorials reported until 2021.
  classic,
};

/// An (epsilon, delta) guarantee and the RDP order that gave it.
struct PrivacySpent {
  double epsilon = 0.0;
  double order = 0.0;
};

/// The orders the accountant optimises over: 1.25, 1.5, ..., 4.5, the
/// integers 5..63, then 128, 256 and 512 (TensorFlow Privacy's
/// compute_dp_sgd_privacy set, so its published values are reproducible).
const std::vector<double>& rdp_orders();

/// RDP at `order` (> 1) of one step of the sampled Gaussian mechanism with
/// sampling rate q in [0, 1] and noise multiplier sigma (> 0). q = 0 gives 0,
/// q = 1 the plain Gaussian mechanism's order / (2 sigma^2). Throws
/// std::invalid_argument for arguments out of range.
double sampled_gaussian_rdp(double q, double sigma, double order);

/// The smallest epsilon over `orders` of `rdp` (one value per order, composed
/// already) at `delta` in (0, 1). Throws std::invalid_argument when the two
/// lists differ in length or are empty, or delta is out of range.
PrivacySpent rdp_to_epsilon(const std::vector<double>& orders, const std::vector<double>& rdp,
                            double delta, RdpConversion conversion = RdpConversion::balle2020);

/// (epsilon, delta) after `steps` steps of the sampled Gaussian mechanism.
/// steps = 0 spends nothing (epsilon 0).
PrivacySpent sampled_gaussian_epsilon(double q, double sigma, std::int64_t steps, double delta,
                                      RdpConversion conversion = RdpConversion::balle2020);

/// The smallest noise multiplier (within 0.1 %) whose epsilon after `steps`
/// steps at rate q stays at or below `target_epsilon`, by bisection (epsilon
/// falls as sigma grows). Throws std::invalid_argument when target_epsilon is
/// not positive or no sigma up to 10^4 reaches it.
double noise_multiplier_for(double target_epsilon, double q, std::int64_t steps, double delta);

}  // namespace troupe::runtime
