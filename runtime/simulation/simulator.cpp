#include "runtime/simulation/simulator.hpp"

#include <algorithm>
#include <queue>
#include <random>
#include <unordered_map>

namespace troupe::runtime {
namespace {

constexpr double kMinDuration = 1e-6;

struct Event {
  enum class Kind : std::uint8_t { arrival, complete, fail, node_down, node_up };
  double time;
  std::uint64_t seq;  ///< ties in time run in creation order
  Kind kind;
  std::size_t index;  ///< task (arrival, complete, fail) or node event
  int attempt;
  bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

}  // namespace

SimulationResult simulate(const Workload& w, const Allocator& policy,
                          const SimulationOptions& options) {
  OnlineScheduler scheduler(policy, options.scheduler);
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < w.tasks.size(); ++i)
    events.push({w.tasks[i].arrival, seq++, Event::Kind::arrival, i, 0});
  for (std::size_t i = 0; i < w.node_events.size(); ++i)
    events.push({w.node_events[i].time, seq++,
                 w.node_events[i].up ? Event::Kind::node_up : Event::Kind::node_down, i, 0});
  std::unordered_map<std::string, std::size_t> node_by_id;
  for (std::size_t n = 0; n < w.nodes.size(); ++n) {
    node_by_id.emplace(w.nodes[n].id, n);
    scheduler.node_joined(w.nodes[n], 0.0);
  }
  std::unordered_map<std::int64_t, std::size_t> task_by_id;
  for (std::size_t i = 0; i < w.tasks.size(); ++i) task_by_id.emplace(w.tasks[i].task.task_id, i);

  std::mt19937_64 rng(options.seed);
  std::bernoulli_distribution fails(std::clamp(options.failure_probability, 0.0, 1.0));
  std::uniform_real_distribution<double> when(0.0, 1.0);

  SimulationResult result;
  while (!events.empty() && result.events < options.max_events) {
    const double now = events.top().time;
    // Every event at this instant first, then one round of decisions.
    while (!events.empty() && events.top().time == now) {
      const Event e = events.top();
      events.pop();
      ++result.events;
      const auto id = e.index < w.tasks.size() ? w.tasks[e.index].task.task_id : 0;
      switch (e.kind) {
        case Event::Kind::arrival:
          scheduler.task_arrived(w.tasks[e.index].task, now);
          break;
        case Event::Kind::complete:
          scheduler.task_completed(id, e.attempt, now);
          break;
        case Event::Kind::fail:
          scheduler.task_failed(id, e.attempt, now);
          break;
        case Event::Kind::node_down:
          scheduler.node_left(w.node_events[e.index].node, now);
          break;
        case Event::Kind::node_up: {
          const auto it = node_by_id.find(w.node_events[e.index].node);
          if (it != node_by_id.end()) scheduler.node_joined(w.nodes[it->second], now);
          break;
        }
      }
    }
    result.end_time = now;
    for (const auto& d : scheduler.decide(now)) {
      if (d.kind != Decision::Kind::assign) continue;  // cancelled runs' events go stale
      const std::size_t i = task_by_id.at(d.task);
      scheduler.task_started(d.task, d.attempt, now);
      ++result.events;
      const auto& node = w.nodes[node_by_id.at(d.node)];
      const double speed = node.speed > 0 ? node.speed : 1.0;
      const double duration = std::max(kMinDuration, w.tasks[i].task.work / speed);
      if (fails(rng))
        events.push({now + duration * when(rng), seq++, Event::Kind::fail, i, d.attempt});
      else
        events.push({now + duration, seq++, Event::Kind::complete, i, d.attempt});
    }
  }
  result.drained = scheduler.open_tasks() == 0;
  result.tasks = scheduler.tasks();
  result.nodes = scheduler.nodes();
  return result;
}

}  // namespace troupe::runtime
