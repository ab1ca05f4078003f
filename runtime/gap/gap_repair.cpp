#include "runtime/gap/gap_repair.hpp"

#include <algorithm>
#include <limits>

namespace troupe::runtime {
namespace {

constexpr double kOnlyChoice = std::numeric_limits<double>::infinity();

/// Best node for task t among those it still fits (restricted to `chosen`
/// when `only_chosen`); nodes when none.
std::size_t best_node(const GapModel& m, const GapSolution& s, std::size_t t,
                      const std::vector<char>* only) {
  std::size_t best = m.nodes;
  for (std::size_t n = 0; n < m.nodes; ++n) {
    const auto i = m.at(t, n);
    if ((only && !(*only)[i]) || !s.fits_on(m, t, n)) continue;
    if (best == m.nodes || m.profit[i] > m.profit[m.at(t, best)]) best = n;
  }
  return best;
}

}  // namespace

GapSolution repair(const GapModel& m, const std::vector<char>& chosen) {
  GapSolution s(m);
  std::vector<std::size_t> count(m.tasks, 0);
  for (std::size_t t = 0; t < m.tasks; ++t)
    for (std::size_t n = 0; n < m.nodes; ++n) count[t] += chosen[m.at(t, n)] ? 1 : 0;
  for (std::size_t pass = 1; pass <= 2; ++pass)  // single choices first, then several
    for (std::size_t t = 0; t < m.tasks; ++t) {
      if ((pass == 1) != (count[t] == 1) || count[t] == 0) continue;
      const auto n = best_node(m, s, t, &chosen);
      if (n < m.nodes) s.place(m, t, n);
    }
  // The rest by decreasing regret against the loads reached so far.
  std::vector<std::pair<double, std::size_t>> rest;
  for (std::size_t t = 0; t < m.tasks; ++t) {
    if (s.node_of_task[t] != Allocation::kUnplaced) continue;
    double first = -std::numeric_limits<double>::infinity(), second = first;
    for (std::size_t n = 0; n < m.nodes; ++n) {
      if (!s.fits_on(m, t, n)) continue;
      const double p = m.profit[m.at(t, n)];
      if (p > first) {
        second = first;
        first = p;
      } else if (p > second) {
        second = p;
      }
    }
    if (first == -std::numeric_limits<double>::infinity()) continue;
    rest.emplace_back(
        second == -std::numeric_limits<double>::infinity() ? kOnlyChoice : first - second, t);
  }
  std::stable_sort(rest.begin(), rest.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& entry : rest) {
    const auto t = entry.second;
    const auto n = best_node(m, s, t, nullptr);
    if (n < m.nodes && (m.every_task || m.profit[m.at(t, n)] > 0.0)) s.place(m, t, n);
  }
  return s;
}

}  // namespace troupe::runtime
