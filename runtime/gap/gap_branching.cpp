#include "runtime/gap/gap_branching.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <queue>
#include <utility>

#include "runtime/gap/gap_repair.hpp"
#include "runtime/gap/lagrangian_relaxation.hpp"
#include "runtime/gap/subgradient.hpp"

namespace troupe::runtime {
namespace {

/// Subgradient steps per branch node at most: the parent's multipliers are
/// close, so a few dozen steps settle the child's bound (measured on type D).
constexpr int kBranchSteps = 40;
/// The step factor a branch starts with (the root starts at 2).
constexpr double kBranchLambda = 0.25;

/// A restriction of the model: task t only on node n (`only`), or not on n.
struct Fixing {
  std::uint32_t task = 0;
  std::uint32_t node = 0;
  bool only = false;
};

struct Branch {
  std::vector<Fixing> fixings;
  std::vector<double> u;  ///< the parent's best multipliers
  double bound = 0.0;     ///< the parent's bound: this branch's until evaluated
  std::uint64_t order = 0;
};

/// Highest bound first; among equal bounds the newest (deepest) first.
struct Lower {
  bool operator()(const Branch& a, const Branch& b) const {
    if (a.bound != b.bound) return a.bound < b.bound;
    return a.order < b.order;
  }
};

class Brancher {
 public:
  Brancher(const GapModel& m, GapSolution& best, const std::function<void(GapSolution&)>& improve)
      : m_(m), best_(best), improve_(improve) {}

  /// The bound rounded down when profits are integers.
  double rounded(double b) const { return m_.integral ? std::floor(b + 1e-6) : b; }

  bool closed_by_incumbent(double bound) const {
    if (m_.every_task && best_.unplaced > 0) return false;
    return rounded(bound) <= best_.value + 1e-9 * std::max(1.0, std::abs(best_.value));
  }

  /// Evaluates `b`; pushes its children unless it is closed.
  void evaluate(const Branch& b, std::priority_queue<Branch, std::vector<Branch>, Lower>& open) {
    if (!restrict(b.fixings)) return;
    std::vector<double> u(free_.size());
    for (std::size_t k = 0; k < free_.size(); ++k) u[k] = b.u[free_[k]];
    // The branch's bound: the fixed tasks' profit plus the free tasks' relaxation.
    double bound = b.bound;
    std::vector<double> best_u = u;
    if (!free_.empty()) {
      SubgradientOptimiser opt(sub_, std::move(u), kBranchLambda);
      for (int step = 0; step < kBranchSteps && !opt.converged(); ++step) {
        opt.step(sub_incumbent());
        if (closed_by_incumbent(fixed_profit_ + opt.bound())) return;
      }
      bound = std::min(bound, fixed_profit_ + opt.bound());
      best_u = opt.best_multipliers();
      opt.choose_at(best_u, chosen_);
    } else {
      bound = std::min(bound, fixed_profit_);
      chosen_.clear();
    }
    offer(repair(sub_, chosen_));
    if (closed_by_incumbent(bound)) return;
    const auto split = branching_pair(best_u);
    if (!split) return;  // the relaxation's choice is an assignment: the branch is solved
    std::vector<double> child_u = b.u;
    for (std::size_t k = 0; k < free_.size(); ++k) child_u[free_[k]] = best_u[k];
    for (bool only : {false, true}) {
      Branch child{b.fixings, child_u, bound, ++order_};
      child.fixings.push_back({static_cast<std::uint32_t>(split->first),
                               static_cast<std::uint32_t>(split->second), only});
      open.push(std::move(child));
    }
  }

 private:
  /// The incumbent as a value of the free tasks alone.
  std::optional<double> sub_incumbent() const {
    if (m_.every_task && best_.unplaced > 0) return std::nullopt;
    return best_.value - fixed_profit_;
  }

  /// Builds sub_, the model of the tasks `fixings` leave free: a task fixed
  /// to a node (`only`) leaves the model, its demand taken from that node's
  /// capacity and its profit added to fixed_profit_; a forbidden pair is not
  /// usable. False when the branch holds no assignment (a fixed task does not
  /// fit, or a task that must be placed has no node left).
  bool restrict(const std::vector<Fixing>& fixings) {
    fixed_.assign(m_.tasks, -1);
    std::vector<char> usable = m_.usable;
    for (const auto& f : fixings) {
      if (f.only)
        fixed_[f.task] = static_cast<int>(f.node);
      else
        usable[m_.at(f.task, f.node)] = 0;
    }
    std::vector<Resources> capacity = m_.capacity;
    fixed_profit_ = 0.0;
    for (std::size_t t = 0; t < m_.tasks; ++t) {
      if (fixed_[t] < 0) continue;
      const auto i = m_.at(t, static_cast<std::size_t>(fixed_[t]));
      if (!usable[i]) return false;
      subtract(capacity[static_cast<std::size_t>(fixed_[t])], m_.demand[i]);
      fixed_profit_ += m_.profit[i];
    }
    for (const auto& c : capacity)
      for (double r : c)
        if (r < -1e-9) return false;
    free_.clear();
    for (std::size_t t = 0; t < m_.tasks; ++t) {
      if (fixed_[t] >= 0) continue;
      bool somewhere = false;
      for (std::size_t n = 0; n < m_.nodes; ++n) {
        const auto i = m_.at(t, n);
        usable[i] = usable[i] && fits(m_.demand[i], capacity[n]);
        somewhere = somewhere || usable[i];
      }
      if (somewhere)
        free_.push_back(t);
      else if (m_.every_task)
        return false;
      // else: a task with no node left stays out, which an optional task may.
    }
    sub_.tasks = free_.size();
    sub_.nodes = m_.nodes;
    sub_.every_task = m_.every_task;
    sub_.integral = m_.integral;
    sub_.capacity = capacity;
    sub_.profit.resize(sub_.tasks * sub_.nodes);
    sub_.demand.resize(sub_.tasks * sub_.nodes);
    sub_.usable.resize(sub_.tasks * sub_.nodes);
    for (std::size_t k = 0; k < free_.size(); ++k)
      for (std::size_t n = 0; n < m_.nodes; ++n) {
        sub_.profit[sub_.at(k, n)] = m_.profit[m_.at(free_[k], n)];
        sub_.demand[sub_.at(k, n)] = m_.demand[m_.at(free_[k], n)];
        sub_.usable[sub_.at(k, n)] = usable[m_.at(free_[k], n)];
      }
    return true;
  }

  /// The fixed tasks plus `partial` (an assignment of the free ones) as a
  /// candidate for `best`, after `improve`.
  void offer(const GapSolution& partial) {
    GapSolution candidate(m_);
    for (std::size_t t = 0; t < m_.tasks; ++t)
      if (fixed_[t] >= 0) candidate.place(m_, t, static_cast<std::size_t>(fixed_[t]));
    for (std::size_t k = 0; k < free_.size(); ++k)
      if (partial.node_of_task[k] != Allocation::kUnplaced)
        candidate.place(m_, free_[k], static_cast<std::size_t>(partial.node_of_task[k]));
    improve_(candidate);
    if (candidate.better_than(best_, m_.every_task)) best_ = candidate;
  }

  /// The (task, node) of the whole model to split on, or none when chosen_
  /// assigns every free task once (and leaves out only optional tasks whose
  /// multiplier is zero): then that choice is optimal for the branch, and
  /// repair() kept it as it is. The task the relaxation takes most often
  /// (several knapsacks before none), then the heaviest, on its most
  /// profitable chosen node (any usable one when none chose it).
  std::optional<std::pair<std::size_t, std::size_t>> branching_pair(const std::vector<double>& u) {
    std::optional<std::pair<std::size_t, std::size_t>> pick;
    double heaviest = -1.0;
    for (std::size_t k = 0; k < sub_.tasks; ++k) {
      int count = 0;
      for (std::size_t n = 0; n < sub_.nodes; ++n) count += chosen_[sub_.at(k, n)] ? 1 : 0;
      if (count == 1 || (count == 0 && !sub_.every_task && u[k] <= 1e-12)) continue;
      std::size_t node = sub_.nodes;
      double node_profit = -std::numeric_limits<double>::infinity();
      for (std::size_t n = 0; n < sub_.nodes; ++n) {
        const auto i = sub_.at(k, n);
        if (!sub_.usable[i] || (count > 0 && !chosen_[i])) continue;
        if (sub_.profit[i] > node_profit) {
          node_profit = sub_.profit[i];
          node = n;
        }
      }
      if (node == sub_.nodes) continue;
      const double weight = sub_.demand[sub_.at(k, node)][0] + (count > 1 ? 1e9 : 0.0);
      if (weight > heaviest) {
        heaviest = weight;
        pick = std::make_pair(free_[k], node);
      }
    }
    return pick;
  }

  const GapModel& m_;
  GapModel sub_;
  std::vector<int> fixed_;         ///< per task of m_: its fixed node, or -1
  std::vector<std::size_t> free_;  ///< sub_'s tasks as tasks of m_
  double fixed_profit_ = 0.0;
  GapSolution& best_;
  const std::function<void(GapSolution&)>& improve_;
  std::vector<char> chosen_;
  std::uint64_t order_ = 0;
};

}  // namespace

double branch_node_work(const GapModel& model) {
  const LagrangianRelaxation relaxation(model);
  double cells = 0.0;
  for (std::size_t n = 0; n < model.nodes; ++n)
    cells += static_cast<double>(model.tasks) *
             (relaxation.exact() ? std::floor(std::max(0.0, model.capacity[n][0])) + 1.0 : 1.0);
  return kBranchSteps * std::max(1.0, cells);
}

BranchingResult branch_and_bound(const GapModel& model, const std::vector<double>& root_u,
                                 double root_bound, GapSolution& best,
                                 const std::function<void(GapSolution&)>& improve,
                                 const BranchingLimits& limits) {
  BranchingResult result;
  result.bound = root_bound;
  Brancher brancher(model, best, improve);
  std::priority_queue<Branch, std::vector<Branch>, Lower> open;
  open.push(Branch{{}, root_u, root_bound, 0});
  while (!open.empty() && result.nodes < limits.most_nodes &&
         std::chrono::steady_clock::now() < limits.deadline) {
    const Branch b = open.top();
    open.pop();
    if (brancher.closed_by_incumbent(b.bound)) continue;
    ++result.nodes;
    brancher.evaluate(b, open);
  }
  const bool emptied = open.empty();
  const bool complete = !model.every_task || best.unplaced == 0;
  if (!complete) return result;  // nothing to close branches against: the root's bound stands
  // Closed branches cannot beat the incumbent; open ones are bounded by their bounds.
  double bound = best.value;
  for (; !open.empty(); open.pop())
    if (!brancher.closed_by_incumbent(open.top().bound)) bound = std::max(bound, open.top().bound);
  result.exhausted = emptied;
  result.bound = std::min(root_bound, bound);
  return result;
}

}  // namespace troupe::runtime
