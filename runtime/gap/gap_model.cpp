#include "runtime/gap/gap_model.hpp"

#include <cmath>

namespace troupe::runtime {

GapModel GapModel::from(const AllocationRequest& req) {
  GapModel m;
  m.tasks = req.tasks.size();
  m.nodes = req.nodes.size();
  m.every_task = req.options.placement == Placement::every_task;
  m.integral = true;
  m.profit.resize(m.tasks * m.nodes);
  m.demand.resize(m.tasks * m.nodes);
  m.usable.resize(m.tasks * m.nodes);
  for (const auto& node : req.nodes) m.capacity.push_back(node.capacity);
  for (std::size_t t = 0; t < m.tasks; ++t)
    for (std::size_t n = 0; n < m.nodes; ++n) {
      const auto i = m.at(t, n);
      m.profit[i] = req.desirability(t, n);
      m.demand[i] = req.demand(t, n);
      m.usable[i] = req.nodes[n].available() && fits(m.demand[i], m.capacity[n]);
      if (m.usable[i] && m.profit[i] != std::floor(m.profit[i])) m.integral = false;
    }
  return m;
}

GapSolution::GapSolution(const GapModel& model)
    : node_of_task(model.tasks, Allocation::kUnplaced),
      load(model.nodes, Resources{}),
      unplaced(model.tasks) {}

bool GapSolution::fits_on(const GapModel& model, std::size_t t, std::size_t n) const {
  const auto i = model.at(t, n);
  if (!model.usable[i]) return false;
  if (node_of_task[t] == static_cast<int>(n)) return true;
  Resources after = load[n];
  add(after, model.demand[i]);
  return fits(after, model.capacity[n]);
}

void GapSolution::place(const GapModel& model, std::size_t t, std::size_t n) {
  if (node_of_task[t] != Allocation::kUnplaced) remove(model, t);
  const auto i = model.at(t, n);
  node_of_task[t] = static_cast<int>(n);
  add(load[n], model.demand[i]);
  value += model.profit[i];
  --unplaced;
}

void GapSolution::remove(const GapModel& model, std::size_t t) {
  const int n = node_of_task[t];
  if (n == Allocation::kUnplaced) return;
  const auto i = model.at(t, static_cast<std::size_t>(n));
  subtract(load[static_cast<std::size_t>(n)], model.demand[i]);
  value -= model.profit[i];
  node_of_task[t] = Allocation::kUnplaced;
  ++unplaced;
}

bool GapSolution::better_than(const GapSolution& other, bool every_task) const {
  if (every_task && unplaced != other.unplaced) return unplaced < other.unplaced;
  return value > other.value + 1e-9 * std::max(1.0, std::abs(value));
}

}  // namespace troupe::runtime
