#include "runtime/allocation/lagrangian_allocator.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <random>

#include "runtime/allocation/gap_local_search.hpp"
#include "runtime/allocation/gap_model.hpp"
#include "runtime/allocation/gap_repair.hpp"
#include "runtime/allocation/regret_allocator.hpp"
#include "runtime/allocation/subgradient.hpp"

namespace troupe::runtime {
namespace {

using Clock = std::chrono::steady_clock;

/// Random shifts per perturbation: enough to leave the local optimum's basin,
/// few enough that the local search does not rebuild the assignment from scratch.
constexpr int kFewestShifts = 2;
constexpr int kMostShifts = 5;
/// Subgradient steps at most; lambda halving ends the phase long before on
/// every instance we measured (a few hundred steps).
constexpr int kMostSteps = 5000;
constexpr double kHopeless = 1e30;
/// Relative distance from the best value within which a repaired candidate
/// gets the full local search; measured on gapa-c, 1 % keeps nearly all the
/// improvements at a fifth of the time.
constexpr double kPromising = 0.01;

class Search {
 public:
  Search(const AllocationRequest& req, const GapModel& model, LagrangianOptions options)
      : req_(req),
        m_(model),
        options_(options),
        deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(req.options.time_limit_s))),
        best_(model),
        subgradient_(model),
        rng_(options.seed) {}

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
    for (int stall = 0; stall < options_.stall_rounds && !proved() && !late(); ++stall) {
      auto candidate = best_;
      perturb(candidate);
      improve_locally(m_, candidate);
      if (keep_if_better(candidate)) stall = -1;
    }
    return best_;
  }

  /// The bound on the best profit, rounded down when profits are integers.
  double bound() const {
    const double b = subgradient_.bound();
    return m_.integral ? std::floor(b + 1e-6) : b;
  }
  bool complete() const { return !m_.every_task || best_.unplaced == 0; }
  bool proved() const {
    return complete() && std::isfinite(subgradient_.bound()) &&
           bound() - best_.value <= 1e-9 * std::max(1.0, std::abs(best_.value));
  }

 private:
  bool late() const { return Clock::now() >= deadline_; }
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

  void perturb(GapSolution& s) {
    if (m_.tasks == 0 || m_.nodes == 0) return;
    std::uniform_int_distribution<int> shifts(kFewestShifts, kMostShifts);
    std::uniform_int_distribution<std::size_t> task(0, m_.tasks - 1), node(0, m_.nodes - 1);
    for (int k = shifts(rng_); k > 0; --k) {
      const auto t = task(rng_);
      const auto n = node(rng_);
      if (static_cast<int>(n) != s.node_of_task[t] && s.fits_on(m_, t, n)) s.place(m_, t, n);
    }
  }

  const AllocationRequest& req_;
  const GapModel& m_;
  LagrangianOptions options_;
  Clock::time_point deadline_;
  GapSolution best_;
  SubgradientOptimiser subgradient_;
  std::mt19937_64 rng_;
};

bool some_task_fits_nowhere(const GapModel& m) {
  for (std::size_t t = 0; t < m.tasks; ++t) {
    bool somewhere = false;
    for (std::size_t n = 0; n < m.nodes; ++n) somewhere |= m.usable[m.at(t, n)] != 0;
    if (!somewhere) return true;
  }
  return false;
}

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
