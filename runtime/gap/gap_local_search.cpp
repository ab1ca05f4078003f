#include "runtime/gap/gap_local_search.hpp"

#include <cmath>

namespace troupe::runtime {
namespace {

constexpr double kMinGain = 1e-9;
/// The worth of placing a task when every task must be placed: above any
/// difference of profits, so that placing one more task always wins.
constexpr double kPlacementWorth = 1e15;

class Search {
 public:
  Search(const GapModel& model, GapSolution& s) : m_(model), s_(s) {}

  /// Profit of task t where it is (0 or minus the placement worth when unplaced).
  double here(std::size_t t) const {
    const int n = s_.node_of_task[t];
    if (n == Allocation::kUnplaced) return m_.every_task ? -kPlacementWorth : 0.0;
    return m_.profit[m_.at(t, static_cast<std::size_t>(n))];
  }

  bool shift() {
    bool moved = false;
    for (std::size_t t = 0; t < m_.tasks; ++t) {
      const double now = here(t);
      std::size_t best = m_.nodes;
      double best_gain = kMinGain;
      for (std::size_t n = 0; n < m_.nodes; ++n) {
        if (static_cast<int>(n) == s_.node_of_task[t] || !s_.fits_on(m_, t, n)) continue;
        const double gain = m_.profit[m_.at(t, n)] - now;
        if (gain > best_gain) {
          best_gain = gain;
          best = n;
        }
      }
      if (best < m_.nodes) {
        s_.place(m_, t, best);
        moved = true;
      } else if (!m_.every_task && s_.node_of_task[t] != Allocation::kUnplaced && now < -kMinGain) {
        s_.remove(m_, t);
        moved = true;
      }
    }
    return moved;
  }

  bool swap() {
    bool moved = false;
    for (std::size_t a = 0; a < m_.tasks; ++a) {
      const int na = s_.node_of_task[a];
      if (na == Allocation::kUnplaced) continue;
      for (std::size_t b = a + 1; b < m_.tasks; ++b) {
        const int nb = s_.node_of_task[b];
        if (nb == Allocation::kUnplaced || nb == na) continue;
        const auto ia = static_cast<std::size_t>(na), ib = static_cast<std::size_t>(nb);
        if (!m_.usable[m_.at(a, ib)] || !m_.usable[m_.at(b, ia)]) continue;
        const double gain = m_.profit[m_.at(a, ib)] + m_.profit[m_.at(b, ia)] -
                            m_.profit[m_.at(a, ia)] - m_.profit[m_.at(b, ib)];
        if (gain <= kMinGain || !exchange_fits(a, ia, b, ib)) continue;
        s_.remove(m_, a);
        s_.remove(m_, b);
        s_.place(m_, a, ib);
        s_.place(m_, b, ia);
        moved = true;
        break;
      }
    }
    return moved;
  }

  /// Task a (on node from, or unplaced) goes to node to, ejecting task b from
  /// there to node onward. At most one chain per task a per pass.
  bool eject() {
    bool moved = false;
    for (std::size_t a = 0; a < m_.tasks; ++a) moved |= eject_from(a);
    return moved;
  }

 private:
  bool eject_from(std::size_t a) {
    const int from = s_.node_of_task[a];
    const double now = here(a);
    for (std::size_t to = 0; to < m_.nodes; ++to) {
      if (static_cast<int>(to) == from || !m_.usable[m_.at(a, to)]) continue;
      if (s_.fits_on(m_, a, to)) continue;  // a plain shift, tried already
      const double gain_a = m_.profit[m_.at(a, to)] - now;
      if (!m_.every_task && gain_a <= kMinGain) continue;
      for (std::size_t b = 0; b < m_.tasks; ++b) {
        if (s_.node_of_task[b] != static_cast<int>(to) || !room_after(to, b, a)) continue;
        const double out_b = m_.profit[m_.at(b, to)];
        for (std::size_t onward = 0; onward < m_.nodes; ++onward) {
          if (onward == to || !m_.usable[m_.at(b, onward)]) continue;
          const double gain = gain_a + m_.profit[m_.at(b, onward)] - out_b;
          if (gain <= kMinGain || !room_for(b, onward, static_cast<int>(onward) == from ? a : b))
            continue;
          s_.remove(m_, b);
          s_.place(m_, a, to);
          s_.place(m_, b, onward);
          return true;
        }
        // At most once: b may also leave the allocation.
        if (!m_.every_task && gain_a - out_b > kMinGain) {
          s_.remove(m_, b);
          s_.place(m_, a, to);
          return true;
        }
      }
    }
    return false;
  }

  bool exchange_fits(std::size_t a, std::size_t na, std::size_t b, std::size_t nb) const {
    Resources on_a = s_.load[na], on_b = s_.load[nb];
    subtract(on_a, m_.demand[m_.at(a, na)]);
    add(on_a, m_.demand[m_.at(b, na)]);
    subtract(on_b, m_.demand[m_.at(b, nb)]);
    add(on_b, m_.demand[m_.at(a, nb)]);
    return fits(on_a, m_.capacity[na]) && fits(on_b, m_.capacity[nb]);
  }
  /// Node n fits `incoming` once `leaving` is gone.
  bool room_after(std::size_t n, std::size_t leaving, std::size_t incoming) const {
    Resources after = s_.load[n];
    subtract(after, m_.demand[m_.at(leaving, n)]);
    add(after, m_.demand[m_.at(incoming, n)]);
    return fits(after, m_.capacity[n]);
  }
  /// Node n fits task b, counting task `leaving` (when not b) as gone from it.
  bool room_for(std::size_t b, std::size_t n, std::size_t leaving) const {
    Resources after = s_.load[n];
    if (leaving != b && s_.node_of_task[leaving] == static_cast<int>(n))
      subtract(after, m_.demand[m_.at(leaving, n)]);
    add(after, m_.demand[m_.at(b, n)]);
    return fits(after, m_.capacity[n]);
  }

  const GapModel& m_;
  GapSolution& s_;
};

}  // namespace

std::size_t improve_locally(const GapModel& model, GapSolution& solution, bool ejection_chains) {
  Search search(model, solution);
  std::size_t moves = 0;
  for (;;) {
    if (search.shift() || search.swap() || (ejection_chains && search.eject())) {
      ++moves;
      continue;
    }
    return moves;
  }
}

}  // namespace troupe::runtime
