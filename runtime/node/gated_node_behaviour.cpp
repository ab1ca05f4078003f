#include "runtime/node/gated_node_behaviour.hpp"

#include <optional>

namespace troupe::runtime {

GatedNodeBehaviour::GatedNodeBehaviour(std::unique_ptr<NodeBehaviour> inner,
                                       std::shared_ptr<ComputeGate> gate)
    : ForwardingNodeBehaviour(std::move(inner), "GatedNodeBehaviour"), gate_(std::move(gate)) {}

models::TrainResult GatedNodeBehaviour::train(const models::Parameters& global,
                                              const LocalTask& task, models::Parameters& update) {
  std::optional<ComputeGate::Ticket> ticket;
  if (gate_) ticket.emplace(*gate_);
  if (task.computing) task.computing();  // after any wait for a slot
  return inner_->train(global, task, update);
}

models::ClassificationMetrics GatedNodeBehaviour::evaluate(const models::Parameters& global) {
  std::optional<ComputeGate::Ticket> ticket;
  if (gate_) ticket.emplace(*gate_);
  return inner_->evaluate(global);
}

models::ClassificationMetrics GatedNodeBehaviour::evaluate_held_out(
    const models::Parameters& global) {
  std::optional<ComputeGate::Ticket> ticket;
  if (gate_) ticket.emplace(*gate_);
  return inner_->evaluate_held_out(global);
}

}  // namespace troupe::runtime
