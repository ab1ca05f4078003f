#include "runtime/secagg/neighbour_graph.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "runtime/secagg/sodium.hpp"

namespace troupe::runtime::secagg {
namespace {

// Failure probability allowed for one cohort: 2^-40, the customary
// statistical security parameter (sigma = 40); our choice, not a paper's.
constexpr double kLog2Failure = -40.0;

double log_choose(double a, double b) {
  return std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1);
}

// Log of P[X > limit] for X ~ Hypergeometric(population, marked, draws).
double log_tail(int population, int marked, int draws, int limit) {
  const double total = log_choose(population, draws);
  double sum = 0.0;
  bool any = false;
  double top = -INFINITY;
  std::vector<double> terms;
  for (int x = limit + 1; x <= std::min(draws, marked); ++x) {
    if (draws - x > population - marked) continue;
    const double term = log_choose(marked, x) + log_choose(population - marked, draws - x) - total;
    terms.push_back(term);
    top = std::max(top, term);
    any = true;
  }
  if (!any) return -INFINITY;
  for (double term : terms) sum += std::exp(term - top);
  return top + std::log(sum);
}

// Threshold for degree k: t > (k + 1) / 2 over the k + 1 holders of a secret
// (the k neighbours and the owner's own share), so that no two disjoint sets
// of honest holders both reach t: the server can never learn both b_u and
// s_sk_u of one participant. This is Bell et al. 2020's condition that the
// threshold exceed half of a neighbourhood, counted over k + 1.
std::int32_t threshold_for(std::int32_t degree) {
  return (degree + 1) / 2 + 1;
}

// log2 of the probability that some secret cannot be reconstructed when a
// random third of n drops after sharing, union-bounded over the n owners.
// "Random" means independent of the graph: the server draws graph_seed only
// when the advertisements close, so no one can aim at a neighbourhood. A
// survivor's b needs t of its own share and its surviving neighbours' shares;
// a dropped participant's s_sk needs t surviving neighbours. The number of
// dropped neighbours of one participant is hypergeometric: k of the n - 1
// others drawn, floor(n / 3) (or one less) of them dropped.
double log2_failure(std::int32_t n, std::int32_t k, std::int32_t t) {
  const int dropped = n / 3;
  const double survivor = log_tail(n - 1, dropped, k, k + 1 - t);  // needs k - X + 1 >= t
  const double lost = dropped > 0 ? log_tail(n - 1, dropped - 1, k, k - t) : -INFINITY;
  return std::log2(n) + std::max(survivor, lost) / std::log(2.0);
}

}  // namespace

Params choose_params(std::int32_t participants, std::int64_t length, std::int32_t bits) {
  Params params;
  params.participants = participants;
  params.length = length;
  params.bits = bits;
  if (participants < 2) throw std::invalid_argument("a secure sum needs at least 2 participants");
  // The smallest even degree whose failure bound meets 2^-40, else the
  // complete graph (only n <= 3 need it). No fixed "complete below n0" rule:
  // the bound already picks k ~ 2n/3 for small n (n = 32: k = 20, n = 100:
  // k = 66), where a third dropping can never leave fewer than t holders, so
  // recovery is certain there, not just likely; from a few hundred on, k grows
  // like log n (n = 1,000: 342; 10,000: 548), Bell et al.'s O(log n) with the
  // large constant that a 1/3 dropout rate next to t > k/2 demands.
  std::int32_t degree = participants - 1;
  for (std::int32_t k = 2; k < participants - 1; k += 2) {
    if (log2_failure(participants, k, threshold_for(k)) <= kLog2Failure) {
      degree = k;
      break;
    }
  }
  params.degree = degree;
  params.threshold = threshold_for(degree);
  check_params(params);
  return params;
}

void check_params(const Params& p) {
  auto bad = [](const std::string& what) {
    throw std::invalid_argument("secure aggregation: " + what);
  };
  if (p.participants < 2) bad("a cohort needs at least 2 participants");
  if (p.bits < 8 || p.bits > 64) bad("bits must lie in 8..64, not " + std::to_string(p.bits));
  if (p.length < 0) bad("vector length must not be negative");
  const bool complete = p.degree == p.participants - 1;
  if (!complete && (p.degree < 2 || p.degree % 2 != 0 || p.degree > p.participants - 1))
    bad("degree " + std::to_string(p.degree) + " is neither even in 2..n-2 nor n-1");
  if (p.threshold < threshold_for(p.degree) || p.threshold > p.degree + 1)
    bad("threshold " + std::to_string(p.threshold) + " must lie in " +
        std::to_string(threshold_for(p.degree)) + ".." + std::to_string(p.degree + 1));
}

NeighbourGraph::NeighbourGraph(const Params& params) : params_(params) {
  check_params(params);
  const auto n = params.participants;
  member_.resize(n);
  for (std::int32_t i = 0; i < n; ++i) member_[i] = i;
  Rng rng(params.graph_seed, "troupe secagg neighbour graph");
  for (std::int32_t i = n - 1; i > 0; --i) {  // Fisher-Yates; the seed is public anyway
    const auto j = static_cast<std::int32_t>(rng.next_u64() % static_cast<std::uint64_t>(i + 1));
    std::swap(member_[i], member_[j]);
  }
  position_.resize(n);
  for (std::int32_t p = 0; p < n; ++p) position_[member_[p]] = p;
}

std::vector<std::int32_t> NeighbourGraph::of(std::int32_t index) const {
  const auto n = params_.participants;
  if (index < 0 || index >= n) throw std::out_of_range("no participant " + std::to_string(index));
  std::vector<std::int32_t> out;
  if (params_.degree == n - 1) {
    for (std::int32_t i = 0; i < n; ++i)
      if (i != index) out.push_back(i);
    return out;
  }
  const auto at = position_[index];
  for (std::int32_t d = 1; d <= params_.degree / 2; ++d) {
    out.push_back(member_[(at + d) % n]);
    out.push_back(member_[(at - d + n) % n]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool NeighbourGraph::adjacent(std::int32_t a, std::int32_t b) const {
  const auto n = params_.participants;
  if (a == b || a < 0 || b < 0 || a >= n || b >= n) return false;
  if (params_.degree == n - 1) return true;
  const auto d = std::abs(position_[a] - position_[b]);
  return std::min(d, n - d) <= params_.degree / 2;
}

std::vector<std::int32_t> neighbours(const Params& params, std::int32_t index) {
  return NeighbourGraph(params).of(index);
}

}  // namespace troupe::runtime::secagg
