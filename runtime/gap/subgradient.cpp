#include "runtime/gap/subgradient.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace troupe::runtime {

SubgradientOptimiser::SubgradientOptimiser(const GapModel& model)
    : model_(model),
      relaxation_(model),
      u_(model.tasks, 0.0),
      bound_(std::numeric_limits<double>::infinity()) {
  // Start each multiplier at the task's second-best profit (its best when it
  // has one usable node): then roughly one knapsack wants each task.
  for (std::size_t t = 0; t < model.tasks; ++t) {
    double first = -std::numeric_limits<double>::infinity(), second = first;
    for (std::size_t n = 0; n < model.nodes; ++n) {
      if (!model.usable[model.at(t, n)]) continue;
      const double p = model.profit[model.at(t, n)];
      if (p > first) {
        second = first;
        first = p;
      } else if (p > second) {
        second = p;
      }
    }
    const double start = std::isfinite(second) ? second : (std::isfinite(first) ? first : 0.0);
    u_[t] = model.every_task ? start : std::max(0.0, start);
  }
  best_u_ = u_;
}

SubgradientOptimiser::SubgradientOptimiser(const GapModel& model, std::vector<double> start,
                                           double lambda)
    : model_(model),
      relaxation_(model),
      u_(std::move(start)),
      best_u_(u_),
      bound_(std::numeric_limits<double>::infinity()),
      lambda_(lambda) {}

double SubgradientOptimiser::step(std::optional<double> incumbent) {
  const double value = relaxation_.evaluate(u_, chosen_);
  if (!std::isfinite(bound_) || value < bound_ - 1e-9 * std::max(1.0, std::abs(bound_))) {
    bound_ = value;
    best_u_ = u_;
    since_better_ = 0;
  } else if (++since_better_ >= kPatience) {
    lambda_ /= 2.0;
    since_better_ = 0;
  }
  std::vector<double> g(model_.tasks, 1.0);
  double norm = 0.0;
  for (std::size_t t = 0; t < model_.tasks; ++t) {
    for (std::size_t n = 0; n < model_.nodes; ++n) g[t] -= chosen_[model_.at(t, n)] ? 1.0 : 0.0;
    // Projected: a zero multiplier of an unchosen optional task cannot fall.
    if (!model_.every_task && u_[t] <= 0.0 && g[t] > 0.0) g[t] = 0.0;
    norm += g[t] * g[t];
  }
  if (norm == 0.0) {  // the relaxation's choice is feasible and complementary: optimal
    lambda_ = 0.0;
    return value;
  }
  const double target = incumbent ? *incumbent : value - std::max(1.0, 0.05 * std::abs(value));
  const double size = lambda_ * std::max(value - target, 1e-6) / norm;
  for (std::size_t t = 0; t < model_.tasks; ++t) {
    u_[t] -= size * g[t];
    if (!model_.every_task) u_[t] = std::max(0.0, u_[t]);
  }
  return value;
}

}  // namespace troupe::runtime
