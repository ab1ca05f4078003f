#include "runtime/privacy/rdp_accountant.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace troupe::runtime {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// log(exp(x) + exp(y)) without overflow.
double log_add(double x, double y) {
  const double a = std::min(x, y), b = std::max(x, y);
  if (a == -kInf) return b;
  return std::log1p(std::exp(a - b)) + b;
}

/// log(exp(x) - exp(y)) for x >= y. The fractional series subtracts terms
/// whose binomial coefficient is negative; they are far smaller than the sum.
double log_sub(double x, double y) {
  if (y == -kInf) return x;
  if (x <= y) return -kInf;
  return std::log(std::expm1(x - y)) + y;
}

/// log(erfc(x)); erfc underflows past x of about 26, where its asymptotic
/// expansion (Abramowitz and Stegun 7.1.23) is exact to double precision.
double log_erfc(double x) {
  if (x < 25.0) return std::log(std::erfc(x));
  const double x2 = x * x;
  return -std::log(M_PI) / 2 - std::log(x) - x2 - 0.5 / x2 + 0.625 / (x2 * x2) -
         37.0 / 24.0 / (x2 * x2 * x2) + 353.0 / 64.0 / (x2 * x2 * x2 * x2);
}

/// log A_alpha for an integer order: the binomial expansion of
/// E[((1 - q) + q exp((2z - 1) / (2 sigma^2)))^alpha] (Mironov et al., Section 3.3).
double log_a_int(double q, double sigma, int alpha) {
  double log_a = -kInf;
  for (int i = 0; i <= alpha; ++i) {
    const double log_coef = std::lgamma(alpha + 1.0) - std::lgamma(i + 1.0) -
                            std::lgamma(alpha - i + 1.0) + i * std::log(q) +
                            (alpha - i) * std::log1p(-q);
    log_a = log_add(log_a, log_coef + (static_cast<double>(i) * i - i) / (2 * sigma * sigma));
  }
  return log_a;
}

/// log A_alpha for a fractional order: the two series split at z0, summed
/// until their terms fall below e^-30 of nothing.
double log_a_frac(double q, double sigma, double alpha) {
  double log_a0 = -kInf, log_a1 = -kInf;
  const double z0 = sigma * sigma * std::log(1 / q - 1) + 0.5;
  double log_abs_coef = 0.0;  // log |binom(alpha, i)|, built term by term
  bool coef_positive = true;
  for (int i = 0;; ++i) {
    if (i > 0) {
      const double factor = (alpha - i + 1) / i;
      log_abs_coef += std::log(std::abs(factor));
      if (factor < 0) coef_positive = !coef_positive;
    }
    const double j = alpha - i;
    const double log_t0 = log_abs_coef + i * std::log(q) + j * std::log1p(-q);
    const double log_t1 = log_abs_coef + j * std::log(q) + i * std::log1p(-q);
    const double log_e0 = std::log(0.5) + log_erfc((i - z0) / (std::sqrt(2.0) * sigma));
    const double log_e1 = std::log(0.5) + log_erfc((z0 - j) / (std::sqrt(2.0) * sigma));
    const double log_s0 = log_t0 + (static_cast<double>(i) * i - i) / (2 * sigma * sigma) + log_e0;
    const double log_s1 = log_t1 + (j * j - j) / (2 * sigma * sigma) + log_e1;
    if (coef_positive) {
      log_a0 = log_add(log_a0, log_s0);
      log_a1 = log_add(log_a1, log_s1);
    } else {
      log_a0 = log_sub(log_a0, log_s0);
      log_a1 = log_sub(log_a1, log_s1);
    }
    if (std::max(log_s0, log_s1) < -30 || i > 100000) break;
  }
  return log_add(log_a0, log_a1);
}

void check_delta(double delta) {
  if (!(delta > 0.0 && delta < 1.0))
    throw std::invalid_argument("delta must be in (0, 1), got " + std::to_string(delta));
}

}  // namespace

const std::vector<double>& rdp_orders() {
  static const std::vector<double> orders = [] {
    std::vector<double> o{1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5};
    for (int a = 5; a < 64; ++a) o.push_back(a);
    for (double a : {128.0, 256.0, 512.0}) o.push_back(a);
    return o;
  }();
  return orders;
}

double sampled_gaussian_rdp(double q, double sigma, double order) {
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("sampling rate must be in [0, 1]");
  if (!(sigma > 0.0) || !std::isfinite(sigma))
    throw std::invalid_argument("noise multiplier must be positive and finite");
  if (!(order > 1.0)) throw std::invalid_argument("RDP order must be > 1");
  if (q == 0.0) return 0.0;
  if (q == 1.0) return order / (2 * sigma * sigma);
  if (std::isinf(order)) return kInf;
  const double log_a = order == std::floor(order) && order < 1e6
                           ? log_a_int(q, sigma, static_cast<int>(order))
                           : log_a_frac(q, sigma, order);
  return log_a / (order - 1);
}

PrivacySpent rdp_to_epsilon(const std::vector<double>& orders, const std::vector<double>& rdp,
                            double delta, RdpConversion conversion) {
  check_delta(delta);
  if (orders.empty() || orders.size() != rdp.size())
    throw std::invalid_argument("one RDP value per order is needed");
  PrivacySpent best{kInf, orders.front()};
  for (std::size_t k = 0; k < orders.size(); ++k) {
    const double a = orders[k], r = rdp[k];
    double eps = kInf;
    if (conversion == RdpConversion::classic) {
      eps = r - std::log(delta) / (a - 1);
    } else if (delta * delta + std::expm1(-r) > 0) {
      eps = 0.0;  // the KL bound delta <= sqrt(1 - exp(-rdp)) already holds
    } else if (a > 1.01) {
      // Not numerically stable as alpha approaches 1, where it is never the best bound.
      eps = r + std::log1p(-1 / a) - std::log(delta * a) / (a - 1);
    }
    if (eps < best.epsilon) best = {eps, a};
  }
  best.epsilon = std::max(0.0, best.epsilon);
  return best;
}

PrivacySpent sampled_gaussian_epsilon(double q, double sigma, std::int64_t steps, double delta,
                                      RdpConversion conversion) {
  check_delta(delta);
  if (steps < 0) throw std::invalid_argument("steps must not be negative");
  if (steps == 0) return {0.0, rdp_orders().front()};
  std::vector<double> rdp;
  for (double a : rdp_orders())
    rdp.push_back(sampled_gaussian_rdp(q, sigma, a) * static_cast<double>(steps));
  return rdp_to_epsilon(rdp_orders(), rdp, delta, conversion);
}

double noise_multiplier_for(double target_epsilon, double q, std::int64_t steps, double delta) {
  if (!(target_epsilon > 0.0)) throw std::invalid_argument("target epsilon must be positive");
  auto eps = [&](double sigma) { return sampled_gaussian_epsilon(q, sigma, steps, delta).epsilon; };
  double hi = 1.0;
  while (eps(hi) > target_epsilon) {
    hi *= 2;
    if (hi > 1e4) throw std::invalid_argument("no noise multiplier up to 10^4 reaches the target");
  }
  double lo = hi / 2;
  if (eps(lo) <= target_epsilon) lo = 1e-3;
  while ((hi - lo) > 1e-3 * hi) {
    const double mid = (lo + hi) / 2;
    (eps(mid) > target_epsilon ? lo : hi) = mid;
  }
  return hi;
}

}  // namespace troupe::runtime
