#include "runtime/allocation/regret_allocator.hpp"

#include <algorithm>
#include <limits>
#include <queue>
#include <tuple>

namespace troupe::runtime {
namespace {

constexpr double kInfiniteRegret = std::numeric_limits<double>::infinity();
constexpr double kTinyDemand = 1e-9;  // value density of a task that uses nothing

struct Choice {
  int best = Allocation::kUnplaced;
  int second = Allocation::kUnplaced;
  double best_value = 0.0;
  double regret = 0.0;
};

struct Entry {
  double regret;
  double best_value;
  std::size_t task;
  unsigned version;
  bool operator<(const Entry& o) const {
    // std::priority_queue pops the largest: larger regret, then value, then lower index.
    return std::tie(regret, best_value, o.task) < std::tie(o.regret, o.best_value, task);
  }
};

/// Martello and Toth's desirability measures f(t, n), larger is better.
enum class Measure { value, relative_demand, value_density, demand };

class RegretSearch {
 public:
  RegretSearch(const AllocationRequest& request, Measure measure)
      : req_(request),
        measure_(measure),
        free_(request.nodes.size()),
        choice_(request.tasks.size()),
        version_(request.tasks.size(), 0),
        watchers_(request.nodes.size()),
        scan_from_(request.tasks.size(), 0),
        optional_(request.options.placement == Placement::at_most_once),
        simple_(!request.generalised() && measure == Measure::value) {
    for (std::size_t n = 0; n < free_.size(); ++n) free_[n] = request.nodes[n].capacity;
  }

  Allocation run() {
    Allocation out;
    out.node_of_task.assign(req_.tasks.size(), Allocation::kUnplaced);
    for (std::size_t t = 0; t < req_.tasks.size(); ++t) refresh(t);
    while (!heap_.empty()) {
      const Entry e = heap_.top();
      heap_.pop();
      if (e.version != version_[e.task] || out.node_of_task[e.task] != Allocation::kUnplaced)
        continue;
      const auto n = static_cast<std::size_t>(choice_[e.task].best);
      out.node_of_task[e.task] = static_cast<int>(n);
      out.objective += req_.value(e.task, n);
      subtract(free_[n], req_.demand(e.task, n));
      revisit_watchers(n, out.node_of_task);
    }
    return out;
  }

 private:
  double desirability(std::size_t t, std::size_t n) const {
    if (measure_ == Measure::value) return req_.desirability(t, n);
    const double a = req_.demand(t, n)[0];
    const double b = req_.nodes[n].capacity[0];
    switch (measure_) {
      case Measure::value:
        return req_.desirability(t, n);
      case Measure::relative_demand:
        return b > 0 ? -a / b : -a;
      case Measure::value_density:
        return req_.desirability(t, n) / std::max(a, kTinyDemand);
      case Measure::demand:
        return -a;
    }
    return 0.0;
  }

  bool usable(std::size_t t, std::size_t n) const {
    return req_.nodes[n].available() && fits(req_.demand(t, n), free_[n]) &&
           !(optional_ && req_.desirability(t, n) < 0.0);
  }

  /// Recomputes the best and second-best node of `t` and queues it.
  void refresh(std::size_t t) {
    Choice c;
    double second_value = 0.0;
    if (simple_) {
      // One value for every node: the best is the first usable node and the
      // second the next one. Capacities only shrink, so nodes before the last
      // best stay unusable and the scan resumes there.
      for (std::size_t n = scan_from_[t]; n < free_.size() && c.second < 0; ++n) {
        if (!usable(t, n)) continue;
        (c.best < 0 ? c.best : c.second) = static_cast<int>(n);
      }
      if (c.best >= 0) scan_from_[t] = static_cast<std::size_t>(c.best);
      c.best_value = second_value = desirability(t, 0);
      queue(t, c, second_value);
      return;
    }
    for (std::size_t n = 0; n < free_.size(); ++n) {
      if (!usable(t, n)) continue;
      const double v = desirability(t, n);
      if (c.best == Allocation::kUnplaced || v > c.best_value) {
        c.second = c.best;
        second_value = c.best_value;
        c.best = static_cast<int>(n);
        c.best_value = v;
      } else if (c.second == Allocation::kUnplaced || v > second_value) {
        c.second = static_cast<int>(n);
        second_value = v;
      }
    }
    queue(t, c, second_value);
  }

  void queue(std::size_t t, const Choice& c, double second_value) {
    ++version_[t];
    choice_[t] = c;
    if (c.best == Allocation::kUnplaced) return;  // fits nowhere, now or later
    choice_[t].regret =
        c.second == Allocation::kUnplaced ? kInfiniteRegret : c.best_value - second_value;
    heap_.push({choice_[t].regret, c.best_value, t, version_[t]});
    watchers_[static_cast<std::size_t>(c.best)].push_back(t);
    if (c.second != Allocation::kUnplaced)
      watchers_[static_cast<std::size_t>(c.second)].push_back(t);
  }

  /// Node `n` lost capacity: tasks for which it was best or second best and
  /// that no longer fit there get new choices.
  void revisit_watchers(std::size_t n, const std::vector<int>& placed) {
    std::vector<std::size_t> watching;
    watching.swap(watchers_[n]);
    for (std::size_t t : watching) {
      if (placed[t] != Allocation::kUnplaced) continue;
      const auto& c = choice_[t];
      const bool relevant = c.best == static_cast<int>(n) || c.second == static_cast<int>(n);
      if (!relevant) continue;  // a stale registration from an earlier choice
      if (usable(t, n))
        watchers_[n].push_back(t);
      else
        refresh(t);
    }
  }

  const AllocationRequest& req_;
  Measure measure_;
  std::vector<Resources> free_;
  std::vector<Choice> choice_;
  std::vector<unsigned> version_;
  std::vector<std::vector<std::size_t>> watchers_;
  std::priority_queue<Entry> heap_;
  std::vector<std::size_t> scan_from_;  ///< simple form: no usable node before this one
  bool optional_;
  bool simple_;
};

/// Martello and Toth's improvement phase: each placed task moves to the
/// usable node where it is worth most, if that is better than where it is.
void improve(const AllocationRequest& req, Allocation& a) {
  std::vector<Resources> free(req.nodes.size());
  for (std::size_t n = 0; n < free.size(); ++n) free[n] = req.nodes[n].capacity;
  for (std::size_t t = 0; t < a.node_of_task.size(); ++t)
    if (a.node_of_task[t] >= 0)
      subtract(free[static_cast<std::size_t>(a.node_of_task[t])],
               req.demand(t, static_cast<std::size_t>(a.node_of_task[t])));
  for (std::size_t t = 0; t < a.node_of_task.size(); ++t) {
    if (a.node_of_task[t] < 0) continue;
    const auto from = static_cast<std::size_t>(a.node_of_task[t]);
    std::size_t to = from;
    for (std::size_t n = 0; n < free.size(); ++n)
      if (n != from && req.nodes[n].available() && fits(req.demand(t, n), free[n]) &&
          req.desirability(t, n) > req.desirability(t, to))
        to = n;
    if (to == from) continue;
    add(free[from], req.demand(t, from));
    subtract(free[to], req.demand(t, to));
    a.node_of_task[t] = static_cast<int>(to);
  }
  a.objective = objective_of(req, a.node_of_task);
}

}  // namespace

Allocation RegretAllocator::allocate(const AllocationRequest& request) const {
  auto best = RegretSearch(request, Measure::value).run();
  // Per-node values and demands (the GAP form): Martello and Toth run several
  // measures and keep the best; the demand-based ones find complete
  // allocations where value alone runs out of room.
  if (!request.generalised()) return best;
  improve(request, best);
  const bool maximise = request.options.sense == Sense::maximise;
  for (Measure m : {Measure::relative_demand, Measure::value_density, Measure::demand}) {
    auto candidate = RegretSearch(request, m).run();
    improve(request, candidate);
    const bool more = candidate.placed() > best.placed();
    const bool as_many = candidate.placed() == best.placed();
    const bool better =
        maximise ? candidate.objective > best.objective : candidate.objective < best.objective;
    const bool must_complete = request.options.placement == Placement::every_task;
    if ((must_complete && (more || (as_many && better))) || (!must_complete && better))
      best = std::move(candidate);
  }
  return best;
}

}  // namespace troupe::runtime
