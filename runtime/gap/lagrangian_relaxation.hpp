#pragma once
/// \file
/// The Lagrangian relaxation of the GAP's assignment constraints.

#include <vector>

#include "runtime/gap/gap_model.hpp"

namespace troupe::runtime {

/// Relaxing "each task on at most / exactly one node" with multipliers u_t
/// leaves one knapsack per node: L(u) = sum_t u_t + sum_n max { sum_t
/// (profit(t, n) - u_t) x_tn : demands of the chosen tasks fit node n }. For
/// every u (u >= 0 when tasks may stay unplaced) L(u) bounds the optimum from
/// above. Fisher, Jaikumar and Van Wassenhove ("A multiplier adjustment method
/// for the generalized assignment problem", Management Science 32, 1986) and
/// Martello and Toth (Knapsack Problems, Wiley 1990, ch. 7) show this
/// relaxation is at least as strong as the LP bound, and stronger than relaxing
/// the capacities, which has the integrality property and so gives only the LP
/// bound. With a single resource and integer demands each knapsack is solved
/// exactly by dynamic programming; otherwise (several resources, fractional
/// demands, huge capacities) each knapsack is bounded by the smallest of its
/// single-resource LP (Dantzig) bounds, still a valid bound, and its tasks are
/// chosen greedily.
class LagrangianRelaxation {
 public:
  explicit LagrangianRelaxation(const GapModel& model);

  /// L(u); `chosen` receives x (t * nodes + n, 1 = task t in node n's knapsack).
  double evaluate(const std::vector<double>& u, std::vector<char>& chosen) const;
  /// Whether the knapsacks are solved exactly (else L(u) is a looser bound).
  bool exact() const { return exact_; }

 private:
  double knapsack_dp(std::size_t n, const std::vector<double>& u, std::vector<char>& chosen) const;
  double knapsack_lp(std::size_t n, const std::vector<double>& u, std::vector<char>& chosen) const;

  const GapModel& model_;
  bool exact_ = false;
  mutable std::vector<double> best_;  // DP scratch, reused between calls
  mutable std::vector<char> take_;
};

}  // namespace troupe::runtime
