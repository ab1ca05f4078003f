#include "runtime/simulation/synthetic_workload.hpp"

#include <cmath>
#include <random>

namespace troupe::runtime {

Workload synthetic_workload(const SyntheticOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<int> priority(1, 10), cores(1, 8), memory(1, 32), gpu(1, 16);
  std::uniform_real_distribution<double> log_work(0.0, std::log(100.0)), speed(0.5, 2.0),
      unit(0.0, 1.0);
  std::bernoulli_distribution coin(0.5), quarter(0.25), has_deadline(o.deadline_fraction);
  Workload w;
  double total_speed = 0.0;
  for (int n = 0; n < o.nodes; ++n) {
    NodeCapacity node;
    node.id = "n" + std::to_string(n);
    const bool gpu_node = quarter(rng);
    node.capacity = {coin(rng) ? 16.0 : 32.0, coin(rng) ? 64.0 : 128.0, gpu_node ? 24.0 : 0.0};
    node.speed = speed(rng);
    total_speed += node.speed;
    w.nodes.push_back(node);
  }
  double total_work = 0.0;
  for (int t = 0; t < o.tasks; ++t) {
    TaskDemand task;
    task.task_id = t + 1;
    task.priority = priority(rng);
    task.work = std::exp(log_work(rng));
    task.demand = {static_cast<double>(cores(rng)), static_cast<double>(memory(rng)),
                   quarter(rng) ? static_cast<double>(gpu(rng)) : 0.0};
    total_work += task.work * task.demand[0] / 24.0;  // a task uses ~1/24 of an average node
    w.tasks.push_back({task, 0.0});
  }
  // Poisson arrivals over the span that makes the offered load o.load.
  const double span = o.load > 0 && total_speed > 0 ? total_work / (o.load * total_speed) : 0.0;
  std::exponential_distribution<double> gap(span > 0 ? o.tasks / span : 1.0);
  double clock = 0.0;
  for (auto& wt : w.tasks) {
    wt.arrival = span > 0 ? clock : 0.0;
    clock += gap(rng);
    if (has_deadline(rng)) wt.task.deadline = wt.arrival + 3.0 * wt.task.work;
  }
  for (int f = 0; f < o.node_failures && o.nodes > 0; ++f) {
    const std::string id = "n" + std::to_string(rng() % static_cast<std::uint64_t>(o.nodes));
    const double at = unit(rng) * span;
    w.node_events.push_back({at, id, false});
    w.node_events.push_back({at + 0.1 * span, id, true});
  }
  return w;
}

}  // namespace troupe::runtime
