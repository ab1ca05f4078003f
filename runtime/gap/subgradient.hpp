#pragma once
/// \file
/// Subgradient optimisation of the Lagrangian multipliers.

#include <optional>
#include <vector>

#include "runtime/gap/lagrangian_relaxation.hpp"

namespace troupe::runtime {

/// Minimises L(u) over the multipliers by Polyak's subgradient steps (Held,
/// Wolfe and Crowder, "Validation of subgradient optimization", Mathematical
/// Programming 6, 1974): g_t = 1 - (number of knapsacks holding t), u <- u -
/// lambda (L(u) - target) g / |g|^2, projected on u >= 0 when tasks may stay
/// unplaced. lambda starts at 2 and halves after kPatience steps without a
/// better bound; the target is the best known assignment's value.
class SubgradientOptimiser {
 public:
  explicit SubgradientOptimiser(const GapModel& model);
  /// From multipliers `start` with step factor `lambda` (a branch of the
  /// search starts from its parent's multipliers, with a smaller step).
  SubgradientOptimiser(const GapModel& model, std::vector<double> start, double lambda);

  /// One step; returns L(u) at the multipliers it evaluated, and leaves that
  /// relaxation's choice in chosen().
  double step(std::optional<double> incumbent);
  /// Smallest L(u) seen: an upper bound on the optimum's profit.
  double bound() const { return bound_; }
  const std::vector<char>& chosen() const { return chosen_; }
  /// The multipliers at which bound() was reached.
  const std::vector<double>& best_multipliers() const { return best_u_; }
  /// The relaxation's choice at other multipliers (for primal heuristics).
  void choose_at(const std::vector<double>& u, std::vector<char>& chosen) const {
    relaxation_.evaluate(u, chosen);
  }
  /// True once the step size is too small to move the multipliers.
  bool converged() const { return lambda_ < kSmallestLambda; }

  static constexpr int kPatience = 20;
  static constexpr double kSmallestLambda = 1e-3;

 private:
  const GapModel& model_;
  LagrangianRelaxation relaxation_;
  std::vector<double> u_;
  std::vector<double> best_u_;
  std::vector<char> chosen_;
  double bound_;
  double lambda_ = 2.0;
  int since_better_ = 0;
};

}  // namespace troupe::runtime
