#include "runtime/gap/lagrangian_relaxation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace troupe::runtime {
namespace {

/// Largest DP table (tasks x capacity cells) per knapsack; above it the LP
/// bound is used, so memory and time stay bounded for any request.
constexpr double kMaxDpCells = 2e7;
constexpr double kTiny = 1e-12;

bool whole(double x) {
  return std::abs(x - std::round(x)) < 1e-9;
}

}  // namespace

LagrangianRelaxation::LagrangianRelaxation(const GapModel& model) : model_(model) {
  // Exact DP needs one resource with integer demands and capacities.
  exact_ = model.nodes > 0;
  double largest = 0.0;
  for (std::size_t n = 0; n < model.nodes && exact_; ++n) {
    if (!whole(std::floor(model.capacity[n][0]))) exact_ = false;
    largest = std::max(largest, std::floor(model.capacity[n][0]));
  }
  for (std::size_t i = 0; i < model.demand.size() && exact_; ++i) {
    if (!model.usable[i]) continue;
    const auto& d = model.demand[i];
    if (!whole(d[0]) || d[1] != 0.0 || d[2] != 0.0) exact_ = false;
  }
  if (static_cast<double>(model.tasks) * (largest + 1.0) > kMaxDpCells) exact_ = false;
}

double LagrangianRelaxation::evaluate(const std::vector<double>& u,
                                      std::vector<char>& chosen) const {
  chosen.assign(model_.tasks * model_.nodes, 0);
  double total = 0.0;
  for (double ut : u) total += ut;
  for (std::size_t n = 0; n < model_.nodes; ++n)
    total += exact_ ? knapsack_dp(n, u, chosen) : knapsack_lp(n, u, chosen);
  return total;
}

double LagrangianRelaxation::knapsack_dp(std::size_t n, const std::vector<double>& u,
                                         std::vector<char>& chosen) const {
  const auto cap =
      static_cast<std::size_t>(std::max(0.0, std::floor(model_.capacity[n][0] + 1e-9)));
  std::vector<std::size_t> items;
  for (std::size_t t = 0; t < model_.tasks; ++t) {
    const auto i = model_.at(t, n);
    if (model_.usable[i] && model_.profit[i] - u[t] > kTiny) items.push_back(t);
  }
  best_.assign(cap + 1, 0.0);
  take_.assign(items.size() * (cap + 1), 0);
  for (std::size_t k = 0; k < items.size(); ++k) {
    const auto i = model_.at(items[k], n);
    const auto w = static_cast<std::size_t>(std::llround(model_.demand[i][0]));
    const double q = model_.profit[i] - u[items[k]];
    char* take = &take_[k * (cap + 1)];
    for (std::size_t c = cap + 1; c-- > w;) {
      const double with = best_[c - w] + q;
      if (with > best_[c]) {
        best_[c] = with;
        take[c] = 1;
      }
    }
  }
  std::size_t c = cap;
  for (std::size_t k = items.size(); k-- > 0;)
    if (take_[k * (cap + 1) + c]) {
      chosen[model_.at(items[k], n)] = 1;
      c -= static_cast<std::size_t>(std::llround(model_.demand[model_.at(items[k], n)][0]));
    }
  return best_[cap];
}

double LagrangianRelaxation::knapsack_lp(std::size_t n, const std::vector<double>& u,
                                         std::vector<char>& chosen) const {
  std::vector<std::size_t> items;
  for (std::size_t t = 0; t < model_.tasks; ++t) {
    const auto i = model_.at(t, n);
    if (model_.usable[i] && model_.profit[i] - u[t] > kTiny) items.push_back(t);
  }
  double bound = std::numeric_limits<double>::infinity();
  std::size_t tightest = 0;
  for (std::size_t r = 0; r < kResourceKinds; ++r) {
    // Dantzig's bound for resource r alone: by profit per unit of r, the last
    // item taken fractionally; items that use none of r are always taken.
    auto order = items;
    const auto density = [&](std::size_t t) {
      const auto i = model_.at(t, n);
      return (model_.profit[i] - u[t]) / std::max(model_.demand[i][r], kTiny);
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return density(a) > density(b); });
    double room = std::max(0.0, model_.capacity[n][r]), value = 0.0;
    for (std::size_t t : order) {
      const auto i = model_.at(t, n);
      const double q = model_.profit[i] - u[t], d = model_.demand[i][r];
      if (d <= room) {
        room -= d;
        value += q;
      } else {
        value += q * room / d;
        break;
      }
    }
    if (value < bound) {
      bound = value;
      tightest = r;
    }
  }
  // A feasible choice in the spirit of that bound: greedy by density on the
  // tightest resource, checking every resource.
  std::stable_sort(items.begin(), items.end(), [&](std::size_t a, std::size_t b) {
    const auto ia = model_.at(a, n), ib = model_.at(b, n);
    return (model_.profit[ia] - u[a]) / std::max(model_.demand[ia][tightest], kTiny) >
           (model_.profit[ib] - u[b]) / std::max(model_.demand[ib][tightest], kTiny);
  });
  Resources used{};
  for (std::size_t t : items) {
    const auto i = model_.at(t, n);
    Resources after = used;
    add(after, model_.demand[i]);
    if (fits(after, model_.capacity[n])) {
      used = after;
      chosen[i] = 1;
    }
  }
  return items.empty() ? 0.0 : bound;
}

}  // namespace troupe::runtime
