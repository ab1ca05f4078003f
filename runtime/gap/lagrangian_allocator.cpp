#include "runtime/gap/lagrangian_allocator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include "runtime/allocation/regret_allocator.hpp"
#include "runtime/gap/gap_branching.hpp"
#include "runtime/gap/gap_local_search.hpp"
#include "runtime/gap/gap_model.hpp"
#include "runtime/gap/gap_oscillation.hpp"
#include "runtime/gap/gap_repair.hpp"
#include "runtime/gap/subgradient.hpp"

namespace troupe::runtime {
namespace {

using Clock = std::chrono::steady_clock;

/// Random shifts per perturbation: enough to leave the local optimum's basin,
/// few enough that the local search does not rebuild the assignment from scratch.
constexpr int kFewestShifts = 2;
constexpr int kMostShifts = 5;
/// On larger requests up to one task in kTasksPerShift moves; each wanted move
/// gets kAttemptsPerShift random tries (tight capacities reject most).
constexpr int kTasksPerShift = 10;
constexpr int kAttemptsPerShift = 20;
/// Subgradient steps at most; lambda halving ends the phase long before on
/// every instance we measured (a few hundred steps).
constexpr int kMostSteps = 5000;
constexpr double kHopeless = 1e30;
/// Relative distance from the best value within which a repaired candidate
/// gets the full local search; measured on gapa-c, 1 % keeps nearly all the
/// improvements at a fifth of the time.
constexpr double kPromising = 0.01;
/// How far below the best value the perturbation walk may wander before it
/// returns to the best assignment.
constexpr double kWalk = 0.005;
/// Relative noise on the multipliers for a fresh primal start: small enough to
/// stay near the dual optimum, large enough to change some knapsack choices.
constexpr double kJitter = 0.05;
/// Such starts are mostly a few percent worse than the walk's (measured on
/// type D), so they only diversify, one round in eight.
constexpr long kJitterEvery = 8;
/// Range of the excess price in oscillation rounds, relative to the typical
/// profit per unit of demand.
constexpr double kLowestPrice = 0.5;
constexpr double kHighestPrice = 5.0;

/// Mean |profit| over mean summed demand of the usable pairs: the scale on
/// which a unit of excess load is priced.
double typical_price(const GapModel& m) {
  double profit = 0.0, demand = 0.0;
  for (std::size_t i = 0; i < m.profit.size(); ++i) {
    if (!m.usable[i]) continue;
    profit += std::abs(m.profit[i]);
    for (double d : m.demand[i]) demand += d;
  }
  return demand > 0.0 ? profit / demand : 1.0;
}

class Search {
 public:
  Search(const AllocationRequest& req, const GapModel& model, LagrangianOptions options)
      : req_(req),
        m_(model),
        options_(options),
        started_(Clock::now()),
        deadline_(started_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(req.options.time_limit_s))),
        branch_nodes_(
            static_cast<long>(std::min(1e15, options.branch_budget / branch_node_work(model)))),
        // Without a branch node to spend, the local search keeps the whole limit.
        search_deadline_(
            started_ +
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                req.options.time_limit_s * (branch_nodes_ > 0 ? options.search_share : 1.0)))),
        best_(model),
        subgradient_(model),
        rng_(options.seed),
        price_(typical_price(model)) {}

  GapSolution run() {
    start_from_regret();
    for (int step = 0; step < kMostSteps && !subgradient_.converged() && !proved() && !late();
         ++step) {
      // A bound below any possible value: every_task cannot be met.
      if (subgradient_.step(incumbent()) < -kHopeless) break;
      if (proved()) break;
      auto candidate = repair(m_, subgradient_.chosen());
      improve_locally(m_, candidate, /*ejection_chains=*/false);
      if (promising(candidate)) {
        improve_locally(m_, candidate);
        keep_if_better(candidate);
      }
    }
    // The walk goes on from any assignment close to the best, else from the best.
    GapSolution current = best_;
    long round = 0;
    const double tasks = static_cast<double>(m_.tasks);
    const double most_rounds = options_.round_budget / std::max(1.0, tasks * tasks);
    for (int stall = 0; stall < options_.stall_rounds && static_cast<double>(round) < most_rounds &&
                        !proved() && Clock::now() < search_deadline_;
         ++stall) {
      // One round in kJitterEvery starts from the relaxation at jittered best
      // multipliers, the others from random moves on the current assignment.
      const bool jittered = ++round % kJitterEvery == 0;
      auto candidate = jittered ? from_jittered_multipliers() : current;
      if (!jittered) perturb(candidate);
      if (round % 2 == 1) {
        // Every other round also crosses the capacities at a random price.
        auto oscillated = candidate;
        if (oscillate(
                m_, oscillated,
                price_ * std::uniform_real_distribution<double>(kLowestPrice, kHighestPrice)(rng_)))
          candidate = oscillated;
      }
      improve_locally(m_, candidate);
      if (keep_if_better(candidate)) stall = -1;
      current = close_to_best(candidate) ? candidate : best_;
    }
    if (!proved() && !late() && branch_nodes_ > 0) branch();
    return best_;
  }

  /// The bound on the best profit, rounded down when profits are integers.
  double bound() const {
    const double b = std::min(subgradient_.bound(), branched_bound_);
    return m_.integral ? std::floor(b + 1e-6) : b;
  }
  bool complete() const { return !m_.every_task || best_.unplaced == 0; }
  bool proved() const {
    return complete() && std::isfinite(subgradient_.bound()) &&
           bound() - best_.value <= 1e-9 * std::max(1.0, std::abs(best_.value));
  }

 private:
  bool late() const { return Clock::now() >= deadline_; }

  /// Phase 4: branch and bound from the best multipliers, until the time
  /// limit or the branch budget; its bound replaces the root's.
  void branch() {
    BranchingLimits limits;
    limits.deadline = deadline_;
    limits.most_nodes = branch_nodes_;
    const auto improve = [this](GapSolution& s) {
      improve_locally(m_, s, /*ejection_chains=*/false);
      if (promising(s)) improve_locally(m_, s);
    };
    const auto result = branch_and_bound(m_, subgradient_.best_multipliers(), subgradient_.bound(),
                                         best_, improve, limits);
    branched_bound_ = result.bound;
  }
  std::optional<double> incumbent() const {
    return complete() ? std::optional<double>(best_.value) : std::nullopt;
  }

  void start_from_regret() {
    const auto greedy = RegretAllocator{}.allocate(req_);
    GapSolution s(m_);
    for (std::size_t t = 0; t < m_.tasks; ++t)
      if (greedy.node_of_task[t] != Allocation::kUnplaced)
        s.place(m_, t, static_cast<std::size_t>(greedy.node_of_task[t]));
    improve_locally(m_, s);
    best_ = s;
  }

  /// Worth the ejection chains: complete (when required) and within
  /// kPromising of the best value.
  bool promising(const GapSolution& s) const {
    if (m_.every_task && s.unplaced > best_.unplaced) return false;
    if (m_.every_task && s.unplaced < best_.unplaced) return true;
    return s.value >= best_.value - kPromising * std::max(1.0, std::abs(best_.value));
  }

  bool keep_if_better(const GapSolution& candidate) {
    if (!candidate.better_than(best_, m_.every_task)) return false;
    best_ = candidate;
    return true;
  }

  /// Repairs the relaxation's choice at the best multipliers, each moved by
  /// up to kJitter of its size (or of the mean size, for a zero one).
  GapSolution from_jittered_multipliers() {
    auto u = subgradient_.best_multipliers();
    double mean = 0.0;
    for (double x : u) mean += std::abs(x) / static_cast<double>(u.size());
    std::uniform_real_distribution<double> jitter(-kJitter, kJitter);
    for (auto& x : u) {
      x += jitter(rng_) * std::max(std::abs(x), mean);
      if (!m_.every_task) x = std::max(0.0, x);
    }
    subgradient_.choose_at(u, chosen_);
    auto s = repair(m_, chosen_);
    improve_locally(m_, s, /*ejection_chains=*/false);
    return s;
  }

  bool close_to_best(const GapSolution& s) const {
    if (m_.every_task && s.unplaced > best_.unplaced) return false;
    return s.value >= best_.value - kWalk * std::max(1.0, std::abs(best_.value));
  }

  /// A few random moves whatever they cost: a task to a random node where it
  /// fits, else an exchange with a random task of that node when both fit.
  /// Tight capacities reject most plain shifts, hence the exchanges.
  void perturb(GapSolution& s) {
    const int most = std::max(kMostShifts, static_cast<int>(m_.tasks) / kTasksPerShift);
    std::uniform_int_distribution<int> moves(kFewestShifts, most);
    std::uniform_int_distribution<std::size_t> task(0, m_.tasks - 1), node(0, m_.nodes - 1);
    int wanted = moves(rng_);
    for (int attempt = 0; wanted > 0 && attempt < kAttemptsPerShift * most; ++attempt) {
      const auto t = task(rng_);
      const auto n = node(rng_);
      const int from = s.node_of_task[t];
      if (static_cast<int>(n) == from || !m_.usable[m_.at(t, n)]) continue;
      if (s.fits_on(m_, t, n)) {
        s.place(m_, t, n);
        --wanted;
        continue;
      }
      if (from == Allocation::kUnplaced) continue;
      const auto other = task(rng_);
      if (s.node_of_task[other] != static_cast<int>(n)) continue;
      const auto back = static_cast<std::size_t>(from);
      s.remove(m_, t);
      s.remove(m_, other);
      if (s.fits_on(m_, t, n) && s.fits_on(m_, other, back)) {
        s.place(m_, t, n);
        s.place(m_, other, back);
        --wanted;
      } else {
        s.place(m_, t, back);
        s.place(m_, other, n);
      }
    }
  }

  const AllocationRequest& req_;
  const GapModel& m_;
  LagrangianOptions options_;
  Clock::time_point started_;
  Clock::time_point deadline_;
  long branch_nodes_;                  ///< the branch budget in branch nodes
  Clock::time_point search_deadline_;  ///< the local search's share of the time limit
  GapSolution best_;
  double branched_bound_ = std::numeric_limits<double>::infinity();
  SubgradientOptimiser subgradient_;
  std::mt19937_64 rng_;
  std::vector<char> chosen_;
  double price_;  // profit per unit of demand, typical of the request
};

bool some_task_fits_nowhere(const GapModel& m) {
  for (std::size_t t = 0; t < m.tasks; ++t) {
    bool somewhere = false;
    for (std::size_t n = 0; n < m.nodes; ++n) somewhere |= m.usable[m.at(t, n)] != 0;
    if (!somewhere) return true;
  }
  return false;
}

/// Registers the policy when the runtime library loads: this room sits above
/// runtime/allocation, whose registry lists the policies below it.
const bool kRegistered = [] {
  register_allocator("lagrangian", [] { return std::make_unique<LagrangianAllocator>(); });
  return true;
}();

}  // namespace

Allocation LagrangianAllocator::allocate(const AllocationRequest& req) const {
  const auto model = GapModel::from(req);
  Allocation out;
  out.node_of_task.assign(model.tasks, Allocation::kUnplaced);
  if (model.tasks == 0) {
    out.bound = 0.0;
    out.proved_optimal = true;
    return out;
  }
  if (model.nodes == 0 || (model.every_task && some_task_fits_nowhere(model))) {
    out.proved_infeasible = model.every_task;
    out.note = "a task fits on no available node";
    if (!model.every_task) out = RegretAllocator{}.allocate(req);
    return out;
  }
  Search search(req, model, options_);
  const auto best = search.run();
  out.node_of_task = best.node_of_task;
  out.objective = objective_of(req, out.node_of_task);
  if (search.complete()) {
    const double b = search.bound();
    out.bound = req.options.sense == Sense::maximise ? b : -b;
    out.proved_optimal = search.proved();
  }
  if (!search.complete()) out.note = "no repair placed every task";
  return out;
}

}  // namespace troupe::runtime
