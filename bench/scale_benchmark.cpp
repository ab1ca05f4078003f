#include "bench/scale_benchmark.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>

#include "runtime/allocation/allocator.hpp"
#include "runtime/allocation/joint_placement.hpp"
#include "runtime/simulation/synthetic_workload.hpp"

namespace troupe::bench {
namespace {

constexpr int kTasks = 10'000;
constexpr int kNodes = 1'000;
constexpr int kRepeats = 5;  // best of, to keep scheduler noise out

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// One row: events, best time, throughput and the schedule's figures.
void simulate_policy(const std::string& name, const runtime::Workload& workload,
                     const runtime::SimulationOptions& options) {
  const auto allocator = runtime::make_allocator(name);
  double best = 1e9;
  runtime::SimulationResult result;
  for (int r = 0; r < kRepeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    result = runtime::simulate(workload, *allocator, options);
    best = std::min(best, seconds_since(t0));
  }
  double first = 1e300, last = 0, mean = 0;
  int missed = 0, done = 0;
  for (const auto& t : result.tasks) {
    if (t.started_at >= 0) first = std::min(first, t.started_at);
    last = std::max(last, t.finished_at);
    missed += t.deadline_missed ? 1 : 0;
    if (t.state == runtime::RunState::done) {
      mean += t.finished_at - t.queued_at;
      ++done;
    }
  }
  std::printf("%-10s %9llu %8.1f %10.2f %12.1f %10.1f %8d\n", name.c_str(),
              static_cast<unsigned long long>(result.events), 1e3 * best,
              static_cast<double>(result.events) / best / 1e6, last - first,
              done ? mean / done : 0.0, missed);
}

/// Per queue order: the share of deadlines met over `seeds` synthetic
/// workloads of `tasks` x `nodes` at offered load 0.8 (Poisson arrivals, a
/// fifth of the tasks with a deadline), the priority policy's defaults.
double deadlines_met(runtime::QueueOrder order, int tasks, int nodes, int seeds) {
  const auto policy = runtime::make_allocator("priority");
  int with = 0, met = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    runtime::SyntheticOptions so;
    so.tasks = tasks;
    so.nodes = nodes;
    so.seed = static_cast<std::uint64_t>(seed);
    so.load = 0.8;
    const auto workload = runtime::synthetic_workload(so);
    runtime::SimulationOptions options;
    options.seed = static_cast<std::uint64_t>(seed);
    options.scheduler.order = order;
    const auto result = runtime::simulate(workload, *policy, options);
    for (const auto& t : result.tasks) {
      if (!t.task.deadline && !t.deadline_missed) continue;  // a missed one lost its deadline
      ++with;
      met += t.deadline_missed ? 0 : 1;
    }
  }
  return with > 0 ? static_cast<double>(met) / with : 1.0;
}

/// Deadline-aware scheduling: earliest deadline first against FIFO and the
/// priority order, on the same workloads.
void deadlines_by_queue_order() {
  constexpr int kSeeds = 5;
  std::printf(
      "\ndeadlines met, load 0.8, Poisson arrivals, 20%% with a deadline (arrival + 3 x work), "
      "priority policy, seeds 1-%d\n",
      kSeeds);
  std::printf("%-12s %10s %10s %10s %16s\n", "tasks x nodes", "fifo", "priority", "deadline",
              "deadline / fifo");
  for (const auto& [tasks, nodes] : {std::pair<int, int>{10'000, 1'000}, {2'000, 50}}) {
    const double fifo = deadlines_met(runtime::QueueOrder::fifo, tasks, nodes, kSeeds);
    const double prio = deadlines_met(runtime::QueueOrder::priority, tasks, nodes, kSeeds);
    const double edf = deadlines_met(runtime::QueueOrder::deadline, tasks, nodes, kSeeds);
    const std::string size = std::to_string(tasks) + "x" + std::to_string(nodes);
    std::printf("%-12s %9.1f%% %9.1f%% %9.1f%% %16.2f\n", size.c_str(), 100 * fifo, 100 * prio,
                100 * edf, fifo > 0 ? edf / fifo : 0.0);
  }
}

/// The synthetic workload of `tasks` x `nodes` (seed 1) as one request.
runtime::AllocationRequest synthetic_request(int tasks, int nodes) {
  runtime::SyntheticOptions so;
  so.tasks = tasks;
  so.nodes = nodes;
  const auto workload = runtime::synthetic_workload(so);
  runtime::AllocationRequest request;
  for (const auto& t : workload.tasks) request.tasks.push_back(t.task);
  request.nodes = workload.nodes;
  return request;
}

/// Policy `name`'s allocation of `request`; `best` and `worst`: its fastest
/// and slowest of kRepeats runs, in seconds.
runtime::Allocation allocate_best_of(const std::string& name,
                                     const runtime::AllocationRequest& request, double& best,
                                     double* worst = nullptr) {
  const auto allocator = runtime::make_allocator(name);
  best = 1e9;
  double slowest = 0.0;
  runtime::Allocation a;
  for (int r = 0; r < kRepeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    a = allocator->allocate(request);
    best = std::min(best, seconds_since(t0));
    slowest = std::max(slowest, seconds_since(t0));
  }
  if (worst) *worst = slowest;
  return a;
}

}  // namespace

void run_decision_benchmark() {
  // One scheduling decision: every queued task placed at once on the nodes,
  // as a scheduler step does with a full queue.
  constexpr int tasks = 1'000, nodes = 100;
  auto request = synthetic_request(tasks, nodes);
  request.options.time_limit_s = 1.0;  // the exact policy's budget: the target
  std::printf("\none scheduling decision, %d queued tasks x %d nodes (3 resources), best of %d\n",
              tasks, nodes, kRepeats);
  std::printf("%-12s %10s %10s %8s %12s %12s %8s\n", "policy", "ms", "worst_ms", "placed",
              "objective", "bound", "proved");
  for (const auto& name : runtime::allocator_names()) {
    double best = 0.0, worst = 0.0;
    const auto a = allocate_best_of(name, request, best, &worst);
    std::printf("%-12s %10.2f %10.2f %8zu %12.0f %12s %8s\n", name.c_str(), 1e3 * best, 1e3 * worst,
                a.placed(), a.objective,
                a.bound ? std::to_string(static_cast<long long>(*a.bound)).c_str() : "-",
                a.proved_optimal ? "yes" : "no");
  }
  run_joint_step_benchmark();
}

void run_joint_step_benchmark() {
  // The scheduler's joint step on shared nodes (runtime::place_jointly): the
  // runnable tasks of 10 jobs, each with its model's speed per node, on nodes
  // that hold work already.
  constexpr int jobs = 10, per_job = 100, nodes = 100;
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> examples(500.0, 5'000.0), speed(0.5, 2.0),
      held(0.0, 2'000.0), priority(1.0, 5.0);
  std::vector<runtime::JointTask> tasks;
  for (int j = 0; j < jobs; ++j) {
    const double weight = priority(rng);
    std::vector<double> model_speed(nodes);
    for (auto& s : model_speed) s = speed(rng);
    for (int t = 0; t < per_job; ++t)
      tasks.push_back(
          {static_cast<std::int64_t>(tasks.size()), weight, examples(rng), model_speed});
  }
  std::vector<runtime::JointNode> held_by(nodes);
  for (int k = 0; k < nodes; ++k) held_by[k] = {"n" + std::to_string(k), held(rng)};
  std::printf(
      "\none joint step (shared nodes), %d runnable tasks of %d jobs x %d nodes, best of %d\n",
      jobs * per_job, jobs, nodes, kRepeats);
  std::printf("%-12s %10s %10s %10s %12s\n", "policy", "ms", "worst_ms", "by_policy", "objective");
  for (const auto& name : runtime::allocator_names()) {
    const auto policy = runtime::make_allocator(name);
    double best = 1e300, worst = 0.0;
    runtime::JointStep step;
    for (int r = 0; r < kRepeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      step = runtime::place_jointly(tasks, held_by, *policy);
      best = std::min(best, seconds_since(t0));
      worst = std::max(worst, seconds_since(t0));
    }
    std::printf("%-12s %10.2f %10.2f %10zu %12.0f\n", name.c_str(), 1e3 * best, 1e3 * worst,
                step.by_policy, step.objective);
  }
}

void run_scale_benchmark() {
  const auto request = synthetic_request(kTasks, kNodes);
  runtime::SyntheticOptions so;
  so.tasks = kTasks;
  so.nodes = kNodes;

  std::printf("\ngreedy allocation, %d tasks x %d nodes (3 resources), best of %d\n", kTasks,
              kNodes, kRepeats);
  std::printf("%-10s %10s %8s %12s\n", "policy", "ms", "placed", "objective");
  for (const auto& name : runtime::allocator_names()) {
    if (name == "exact") continue;
    double best = 0.0;
    const auto a = allocate_best_of(name, request, best);
    std::printf("%-10s %10.1f %8zu %12.0f\n", name.c_str(), 1e3 * best, a.placed(), a.objective);
  }

  so.node_failures = 10;
  const auto sim_workload = runtime::synthetic_workload(so);
  // The defaults, then a smaller window and candidate set: faster decisions
  // at some cost in completion time.
  for (const auto& [window, candidates] :
       {std::pair<std::size_t, std::size_t>{16, 32}, std::pair<std::size_t, std::size_t>{8, 16}}) {
    std::printf(
        "\nsimulation, %d tasks x %d nodes, load 0.9, 20%% with deadlines, 2%% run failures, "
        "10 node outages, window %zu, candidates %zu (one core, best of %d)\n",
        kTasks, kNodes, window, candidates, kRepeats);
    std::printf("%-10s %9s %8s %10s %12s %10s %8s\n", "policy", "events", "ms", "Mevents/s",
                "makespan_s", "mean_s", "missed");
    runtime::SimulationOptions options;
    options.failure_probability = 0.02;
    options.scheduler.window = window;
    options.scheduler.candidate_nodes = candidates;
    for (const auto& name : runtime::allocator_names())
      if (name != "exact") simulate_policy(name, sim_workload, options);
  }
  deadlines_by_queue_order();
}

}  // namespace troupe::bench
