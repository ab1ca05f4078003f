#include "runtime/gap/gap_oscillation.hpp"

#include <algorithm>
#include <limits>

namespace troupe::runtime {
namespace {

constexpr double kMinGain = 1e-9;
/// Penalised passes at most: the search there only has to leave the current
/// basin, and with a low price it could wander for long.
constexpr int kMostPasses = 5;

double excess(const Resources& load, const Resources& cap) {
  double e = 0.0;
  for (std::size_t r = 0; r < kResourceKinds; ++r) e += std::max(0.0, load[r] - cap[r]);
  return e;
}

/// Change of node n's excess when `out` leaves it and `in` arrives (either may be null).
double excess_change(const GapModel& m, const GapSolution& s, std::size_t n, const Resources* out,
                     const Resources* in) {
  Resources after = s.load[n];
  if (out) subtract(after, *out);
  if (in) add(after, *in);
  return excess(after, m.capacity[n]) - excess(s.load[n], m.capacity[n]);
}

bool penalised_pass(const GapModel& m, GapSolution& s, double w) {
  bool moved = false;
  for (std::size_t t = 0; t < m.tasks; ++t) {
    const int from = s.node_of_task[t];
    if (from == Allocation::kUnplaced) continue;
    const auto f = static_cast<std::size_t>(from);
    const auto& out = m.demand[m.at(t, f)];
    const double leave = excess_change(m, s, f, &out, nullptr);
    for (std::size_t n = 0; n < m.nodes; ++n) {
      if (n == f || !m.usable[m.at(t, n)]) continue;
      const double gain = m.profit[m.at(t, n)] - m.profit[m.at(t, f)] -
                          w * (leave + excess_change(m, s, n, nullptr, &m.demand[m.at(t, n)]));
      if (gain > kMinGain) {
        s.place(m, t, n);
        moved = true;
        break;
      }
    }
  }
  for (std::size_t a = 0; a < m.tasks; ++a)
    for (std::size_t b = a + 1; b < m.tasks; ++b) {
      const int na = s.node_of_task[a], nb = s.node_of_task[b];
      if (na == Allocation::kUnplaced || nb == Allocation::kUnplaced || na == nb) continue;
      const auto ia = static_cast<std::size_t>(na), ib = static_cast<std::size_t>(nb);
      if (!m.usable[m.at(a, ib)] || !m.usable[m.at(b, ia)]) continue;
      const double gain =
          m.profit[m.at(a, ib)] + m.profit[m.at(b, ia)] - m.profit[m.at(a, ia)] -
          m.profit[m.at(b, ib)] -
          w * (excess_change(m, s, ia, &m.demand[m.at(a, ia)], &m.demand[m.at(b, ia)]) +
               excess_change(m, s, ib, &m.demand[m.at(b, ib)], &m.demand[m.at(a, ib)]));
      if (gain > kMinGain) {
        s.place(m, a, ib);
        s.place(m, b, ia);
        moved = true;
      }
    }
  return moved;
}

}  // namespace

bool oscillate(const GapModel& m, GapSolution& s, double weight) {
  for (int pass = 0; pass < kMostPasses && penalised_pass(m, s, weight); ++pass) {
  }
  // Back into the capacities: from overfilled nodes, the cheapest move first.
  for (;;) {
    double best_loss = std::numeric_limits<double>::infinity();
    std::size_t best_t = m.tasks, best_n = m.nodes;
    bool overfilled = false;
    for (std::size_t t = 0; t < m.tasks; ++t) {
      const int from = s.node_of_task[t];
      if (from == Allocation::kUnplaced) continue;
      const auto f = static_cast<std::size_t>(from);
      if (fits(s.load[f], m.capacity[f])) continue;
      overfilled = true;
      for (std::size_t n = 0; n < m.nodes; ++n) {
        if (n == f || !s.fits_on(m, t, n)) continue;
        const double loss = m.profit[m.at(t, f)] - m.profit[m.at(t, n)];
        if (loss < best_loss) {
          best_loss = loss;
          best_t = t;
          best_n = n;
        }
      }
    }
    if (!overfilled) return true;
    if (best_t == m.tasks) return false;
    s.place(m, best_t, best_n);
  }
}

}  // namespace troupe::runtime
