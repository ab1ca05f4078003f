#pragma once
/// \file
/// A NodeBehaviour that takes a slot of the process's ComputeGate around every
/// training and evaluation of the behaviour it wraps, so in-process nodes do
/// not compute more at once than the machine's cores allow. Set-up (loading
/// data) runs without a slot.

#include <memory>

#include "runtime/node/compute_gate.hpp"
#include "runtime/node/forwarding_node_behaviour.hpp"

namespace troupe::runtime {

class GatedNodeBehaviour final : public ForwardingNodeBehaviour {
 public:
  /// Wraps `inner` (not null); a null `gate` limits nothing.
  GatedNodeBehaviour(std::unique_ptr<NodeBehaviour> inner, std::shared_ptr<ComputeGate> gate);

  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override;
  models::ClassificationMetrics evaluate(const models::Parameters& global) override;
  models::ClassificationMetrics evaluate_held_out(const models::Parameters& global) override;

 private:
  std::shared_ptr<ComputeGate> gate_;
};

}  // namespace troupe::runtime
