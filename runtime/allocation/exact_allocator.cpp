#include "runtime/allocation/exact_allocator.hpp"

#include <CbcModel.hpp>
#include <CbcSolver.hpp>
#include <CoinError.hpp>
#include <CoinPackedMatrix.hpp>
#include <OsiClpSolverInterface.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/allocation/balanced_allocator.hpp"
#include "runtime/allocation/best_fit_allocator.hpp"
#include "runtime/allocation/pack_allocator.hpp"
#include "runtime/allocation/priority_allocator.hpp"
#include "runtime/allocation/regret_allocator.hpp"
#include "runtime/allocation/spread_allocator.hpp"

namespace troupe::runtime {
namespace {

/// A variable x[t][n] of the programme.
struct Column {
  std::size_t task;
  std::size_t node;
};

bool better(const AllocationRequest& req, double a, double b) {
  return req.options.sense == Sense::maximise ? a > b : a < b;
}

/// Share of the time limit, and most seconds, the Lagrangian search may take
/// before CBC starts: it ends by itself well within a second on the OR-Library
/// problems, so the cap only matters for large requests.
constexpr double kLagrangianShare = 0.25;
constexpr double kLagrangianMostSeconds = 2.0;
/// Share of the time limit, and most seconds, kept for stopping: CBC and Clp
/// look at the clock only between their steps. At 1,000 tasks x 100 nodes
/// they still ended 0.04-0.5 s past their budget (bench/allocation_bench
/// --decision-only, docs/allocation-results.md).
constexpr double kStopReserveShare = 0.1;
constexpr double kStopReserveMostSeconds = 0.1;
/// A search with less time than this left is not started (the warm start
/// answers): nobody would wait for it, and it would hold the one search slot.
constexpr double kLeastSearchSeconds = 0.01;

/// The Lagrangian search's answer and bound, run with part of the time limit;
/// an empty allocation when the policy is not registered. It lives in the
/// room above (runtime/gap), so it is reached through the registry.
Allocation lagrangian_start(const AllocationRequest& req) {
  const auto names = allocator_names();
  if (std::find(names.begin(), names.end(), "lagrangian") == names.end()) return {};
  AllocationRequest quick = req;
  quick.options.time_limit_s =
      std::min(kLagrangianMostSeconds, kLagrangianShare * req.options.time_limit_s);
  return make_allocator("lagrangian")->allocate(quick);
}

/// The best allocation that satisfies the placement rule among the greedy
/// ones (every built-in one: they take milliseconds even at 1,000 tasks x
/// 100 nodes, and which one is best varies with the request) and the
/// Lagrangian search's, if any.
std::optional<Allocation> warm_start(const AllocationRequest& req, const Allocation& lagrangian) {
  std::optional<Allocation> best;
  const PriorityAllocator priority;
  const BestFitAllocator best_fit;
  const SpreadAllocator spread;
  const PackAllocator pack;
  const BalancedAllocator balanced;
  const RegretAllocator regret;
  for (const Allocator* a : std::initializer_list<const Allocator*>{&priority, &best_fit, &spread,
                                                                    &pack, &balanced, &regret}) {
    auto candidate = a->allocate(req);
    if (req.options.placement == Placement::every_task && !candidate.complete()) continue;
    if (!best || better(req, candidate.objective, best->objective)) best = std::move(candidate);
  }
  const bool usable = lagrangian.node_of_task.size() == req.tasks.size() &&
                      (req.options.placement != Placement::every_task || lagrangian.complete());
  if (usable && (!best || better(req, lagrangian.objective, best->objective))) {
    best = lagrangian;
    best->bound.reset();
    best->proved_optimal = false;
  }
  return best;
}

/// The tighter of two bounds on the optimum (the lower one when maximising).
double tighter(const AllocationRequest& req, double a, double b) {
  return req.options.sense == Sense::maximise ? std::min(a, b) : std::max(a, b);
}

std::vector<Column> columns_of(const AllocationRequest& req) {
  std::vector<Column> cols;
  for (std::size_t t = 0; t < req.tasks.size(); ++t)
    for (std::size_t n = 0; n < req.nodes.size(); ++n)
      if (req.nodes[n].available() && fits(req.demand(t, n), req.nodes[n].capacity))
        cols.push_back({t, n});
  return cols;
}

/// Loads the programme into `solver` (as a minimisation of the desirability's negative).
void load(OsiClpSolverInterface& solver, const AllocationRequest& req,
          const std::vector<Column>& cols) {
  const std::size_t tasks = req.tasks.size();
  const std::size_t nodes = req.nodes.size();
  // Rows: one per task, then one per (node, resource) with positive use.
  const auto node_row = [&](std::size_t n, std::size_t r) {
    return static_cast<int>(tasks + n * kResourceKinds + r);
  };
  const int rows = static_cast<int>(tasks + nodes * kResourceKinds);
  // The column-ordered arrays first, then the matrix in one piece: appending
  // 100,000 columns one at a time took 21 s (1,000 tasks x 100 nodes).
  std::vector<CoinBigIndex> starts;
  std::vector<int> lengths, indices;
  std::vector<double> values;
  starts.reserve(cols.size());
  lengths.reserve(cols.size());
  indices.reserve(cols.size() * (1 + kResourceKinds));
  values.reserve(cols.size() * (1 + kResourceKinds));
  std::vector<double> lower(cols.size(), 0.0), upper(cols.size(), 1.0), cost(cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c) {
    const auto [t, n] = cols[c];
    starts.push_back(static_cast<CoinBigIndex>(indices.size()));
    indices.push_back(static_cast<int>(t));
    values.push_back(1.0);
    const auto& d = req.demand(t, n);
    for (std::size_t r = 0; r < kResourceKinds; ++r)
      if (d[r] != 0.0) {
        indices.push_back(node_row(n, r));
        values.push_back(d[r]);
      }
    lengths.push_back(static_cast<int>(indices.size()) - starts.back());
    cost[c] = req.value(t, n);
  }
  const CoinPackedMatrix matrix(true, rows, static_cast<int>(cols.size()),
                                static_cast<CoinBigIndex>(indices.size()), values.data(),
                                indices.data(), starts.data(), lengths.data());
  std::vector<double> row_lo(static_cast<std::size_t>(rows)),
      row_hi(static_cast<std::size_t>(rows));
  const double task_lo = req.options.placement == Placement::every_task ? 1.0 : 0.0;
  for (std::size_t t = 0; t < tasks; ++t) {
    row_lo[t] = task_lo;
    row_hi[t] = 1.0;
  }
  for (std::size_t n = 0; n < nodes; ++n)
    for (std::size_t r = 0; r < kResourceKinds; ++r) {
      const auto row = static_cast<std::size_t>(node_row(n, r));
      row_lo[row] = -COIN_DBL_MAX;
      row_hi[row] = std::max(0.0, req.nodes[n].capacity[r]);
    }
  solver.loadProblem(matrix, lower.data(), upper.data(), cost.data(), row_lo.data(), row_hi.data());
  solver.setObjSense(req.options.sense == Sense::maximise ? -1.0 : 1.0);
  std::vector<int> all(cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c) all[c] = static_cast<int>(c);
  solver.setInteger(all.data(), static_cast<int>(all.size()));
  solver.messageHandler()->setLogLevel(0);
}

/// One branch-and-cut search, owned jointly by the call that started it and
/// the thread that runs it, so that the call can return at its deadline and
/// leave the search behind: CBC and Clp look at the clock only between their
/// steps, and one step took up to 0.5 s past the budget at 1,000 tasks x 100
/// nodes (docs/allocation-results.md).
struct Search {
  OsiClpSolverInterface solver;
  std::unique_ptr<CbcModel> model;
  std::vector<std::string> args;
  double budget = 0.0;
  // Written by the search's thread, read once `done` is set (under `mu`).
  std::mutex mu;
  std::condition_variable finished;
  bool done = false;
  bool whole = false;        ///< ended before its budget: nothing was cut short
  std::vector<double> best;  ///< empty: no incumbent
  bool proven_optimal = false;
  bool proven_infeasible = false;
  double bound = std::numeric_limits<double>::infinity();
  std::string error;  ///< what CBC threw, if it did (nothing else is then set)
};

/// What a CBC or Clp call threw, as text.
std::string error_text() {
  try {
    throw;
  } catch (const CoinError& e) {
    return e.className() + "::" + e.methodName() + ": " + e.message();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an unknown exception";
  }
}

/// CbcMain0 and CbcMain1 keep their parameters in static data, so one
/// search runs at a time in the process. A search left behind at its call's
/// deadline holds the slot until it ends; a later call that cannot take it
/// in time answers with its warm start. At exit the process waits for a
/// search still running, so that none outlives the solvers' static data
/// (the slot is made on first use, after the libraries' statics, and so is
/// destroyed before them). Not a mutex: the search's thread gives back what
/// the calling thread took.
class SearchSlot {
 public:
  ~SearchSlot() {
    std::unique_lock<std::mutex> lock(mu_);
    free_.wait(lock, [this] { return !busy_; });
  }
  bool take_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!free_.wait_until(lock, deadline, [this] { return !busy_; })) return false;
    busy_ = true;
    return true;
  }
  /// The search's thread touches nothing shared after this.
  void give_back() {
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = false;
    free_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable free_;
  bool busy_ = false;
};

SearchSlot& search_slot() {
  static SearchSlot slot;
  return slot;
}

/// Runs `search` (the slot taken for it) and publishes what it found.
void run_search(std::shared_ptr<Search> search) {
  std::vector<const char*> argv;
  for (auto& a : search->args) argv.push_back(a.c_str());
  auto& model = *search->model;
  bool whole = false, optimal = false, infeasible = false;
  double bound = std::numeric_limits<double>::infinity();
  std::vector<double> best;
  std::string error;
  try {
    // Clp's wall-clock limit is a moment (now + budget), so it is set here,
    // where CBC's `-sec` clock and the `whole` test below start too.
    const auto began = std::chrono::steady_clock::now();
    if (auto* clp = dynamic_cast<OsiClpSolverInterface*>(model.solver()))
      clp->getModelPtr()->setMaximumWallSeconds(search->budget);
    CbcMain1(static_cast<int>(argv.size()), argv.data(), model);
    // Decided by the clock: no LP was stopped by it before the budget ran out.
    // (Clp's status after CbcMain1 may be the root's, not the last LP's.)
    whole = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count() <
            search->budget;
    if (const double* x = model.bestSolution()) best.assign(x, x + model.getNumCols());
    optimal = model.isProvenOptimal();
    infeasible = model.isProvenInfeasible();
    bound = model.getBestPossibleObjValue();
  } catch (...) {
    // On this thread an exception would end the process; the call answers
    // with its warm start and says why.
    error = error_text();
    whole = optimal = infeasible = false;
    best.clear();
    bound = std::numeric_limits<double>::infinity();
  }
  std::lock_guard<std::mutex> guard(search->mu);
  search->whole = whole;
  search->best = std::move(best);
  search->proven_optimal = optimal;
  search->proven_infeasible = infeasible;
  search->bound = bound;
  search->error = std::move(error);
  search->done = true;
  search->finished.notify_all();
}

}  // namespace

Allocation ExactAllocator::allocate(const AllocationRequest& req) const {
  const auto began = std::chrono::steady_clock::now();
  const auto cols = columns_of(req);
  const auto lagrangian = cols.empty() ? Allocation{} : lagrangian_start(req);
  // The Lagrangian search proved its answer optimal (its bound meets it): no
  // branch and bound needed.
  if (lagrangian.proved_optimal && !lagrangian.proved_infeasible) return lagrangian;
  const auto start = warm_start(req, lagrangian);
  Allocation out;
  out.node_of_task.assign(req.tasks.size(), Allocation::kUnplaced);
  if (cols.empty()) {  // nothing can go anywhere: trivially solved
    const bool infeasible = req.options.placement == Placement::every_task && !req.tasks.empty();
    out.proved_infeasible = infeasible;
    out.proved_optimal = !infeasible;
    if (infeasible)
      out.note = "no task fits on any available node";
    else
      out.bound = 0.0;
    return out;
  }

  // The search runs on its own thread, so that the call returns at its
  // deadline even when CBC or Clp is inside a long step then; an abandoned
  // search ends by its own limit soon after.
  const auto deadline = began + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(req.options.time_limit_s));
  auto search = std::make_shared<Search>();
  bool searched = false;
  std::string search_error;
  if (search_slot().take_until(deadline)) {
    bool launched = false;
    try {
      load(search->solver, req, cols);
      search->model = std::make_unique<CbcModel>(search->solver);
      auto& model = *search->model;
      CbcMain0(model);
      model.setLogLevel(0);
      if (start) {
        // The greedy allocation as CBC's first incumbent (its objective in CBC's
        // internal minimisation sense), so the search prunes against it from the start.
        std::vector<double> x0(cols.size(), 0.0);
        for (std::size_t c = 0; c < cols.size(); ++c)
          if (start->node_of_task[cols[c].task] == static_cast<int>(cols[c].node)) x0[c] = 1.0;
        model.setBestSolution(x0.data(), static_cast<int>(x0.size()),
                              search->solver.getObjSense() * start->objective, true);
      }
      // The search gets what the warm start left of the time limit, on the wall
      // clock ("-timeMode elapsed": CBC counts CPU time by default). CBC checks
      // `-sec` only between its steps, and its root LP alone took 0.9 s at
      // 1,000 tasks x 100 nodes, so Clp gets the same wall-clock limit and stops
      // inside an LP too. An LP cut short can mislead the search (a node wrongly
      // pruned, a bound too tight), so a search that ran into its limit keeps
      // only what cannot be wrong: feasible incumbents, checked below, and the
      // Lagrangian bound.
      const double spent =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      const double reserve =
          std::min(kStopReserveMostSeconds, kStopReserveShare * req.options.time_limit_s);
      search->budget = req.options.time_limit_s - spent - reserve;
      // CglPreProcess is off: on OR-Library gap3 problem 1 (max) it made CBC
      // "prove" 579 where 580 is optimal; without it the gap1-12 problems are also
      // solved faster.
      search->args = {"troupe",      "-log", "0",
                      "-slog",       "0",    "-timeMode",
                      "elapsed",     "-sec", std::to_string(search->budget),
                      "-preprocess", "off",  "-solve",
                      "-quit"};
      if (search->budget >= kLeastSearchSeconds) {
        std::thread([search]() mutable {
          run_search(std::move(search));  // the search is released before the slot
          search_slot().give_back();
        }).detach();
        launched = true;
      }
    } catch (...) {
      // CBC could not take the programme, or no thread: the warm start answers.
      search_error = error_text();
    }
    if (!launched) search_slot().give_back();
    searched = launched;
  }

  bool whole = false;
  std::vector<double> best;
  bool proven_optimal = false, proven_infeasible = false;
  double cbc_bound = std::numeric_limits<double>::infinity();
  if (searched) {
    std::unique_lock<std::mutex> lock(search->mu);
    if (search->finished.wait_until(lock, deadline, [&] { return search->done; })) {
      whole = search->whole;
      best = std::move(search->best);
      proven_optimal = search->proven_optimal;
      proven_infeasible = search->proven_infeasible;
      cbc_bound = search->bound;
      search_error = search->error;
    }
  }

  const double* x = best.size() == cols.size() ? best.data() : nullptr;
  if (whole && proven_infeasible && !x) {
    out.proved_infeasible = true;
    out.note = "no allocation places every task within the capacities";
    return out;
  }
  if (x) {
    for (std::size_t c = 0; c < cols.size(); ++c)
      if (x[c] > 0.5) out.node_of_task[cols[c].task] = static_cast<int>(cols[c].node);
    out.objective = objective_of(req, out.node_of_task);
    // CBC accepts solutions within its tolerances: one that breaks a capacity
    // or leaves a task out under every_task is not an answer.
    const bool placed_all = req.options.placement != Placement::every_task || out.complete();
    if (!check_allocation(req, out).empty() || !placed_all) {
      x = nullptr;
      out.node_of_task.assign(req.tasks.size(), Allocation::kUnplaced);
      out.objective = 0.0;
    }
  }
  if (!x && !start) out.note = "time limit reached before a feasible allocation was found";
  bool proved = whole && proven_optimal && x != nullptr;
  // A search cut short may hold a worse incumbent than the warm start.
  if (start && (!x || (better(req, start->objective, out.objective) && !proved))) {
    const auto note = out.note;
    out = *start;
    out.note = note;
  }
  out.proved_optimal = proved;
  // CbcModel reports the bound in the request's sense already. CBC takes no
  // outside bound, so the Lagrangian one is combined here, after the search.
  // When the search ran into its limit, CBC's bound may rest on an LP the
  // clock stopped (an interrupted primal simplex gives no bound): only the
  // Lagrangian one is kept.
  const double bound = whole ? cbc_bound : std::numeric_limits<double>::infinity();
  if (proved)
    out.bound = out.objective;
  else if (std::isfinite(bound) && std::abs(bound) < 1e40)
    out.bound = bound;
  if (!proved && lagrangian.bound && !out.proved_infeasible) {
    out.bound = out.bound ? tighter(req, *out.bound, *lagrangian.bound) : *lagrangian.bound;
    if (std::abs(*out.bound - out.objective) <= 1e-9 * std::max(1.0, std::abs(out.objective)) &&
        (req.options.placement != Placement::every_task || out.complete())) {
      out.proved_optimal = proved = true;
      out.note.clear();
    }
  }
  if (!proved && !search_error.empty())
    out.note = "the search failed (" + search_error + "); best bound " +
               (out.bound ? std::to_string(*out.bound) : std::string("unknown"));
  if (!proved && out.note.empty())
    out.note = "time limit reached; best bound " +
               (out.bound ? std::to_string(*out.bound) : std::string("unknown"));
  return out;
}

}  // namespace troupe::runtime
