#include "runtime/node/gated_node_behaviour.hpp"

#include <optional>
#include <stdexcept>

namespace troupe::runtime {

GatedNodeBehaviour::GatedNodeBehaviour(std::unique_ptr<NodeBehaviour> inner,
                                       std::shared_ptr<ComputeGate> gate)
    : inner_(std::move(inner)), gate_(std::move(gate)) {
  if (!inner_) throw std::invalid_argument("GatedNodeBehaviour: no behaviour to wrap");
}

models::TrainResult GatedNodeBehaviour::train(const models::Parameters& global,
                                              const LocalTask& task, models::Parameters& update) {
  std::optional<ComputeGate::Ticket> ticket;
  if (gate_) ticket.emplace(*gate_);
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
