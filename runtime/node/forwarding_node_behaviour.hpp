#pragma once
/// \file
/// The base of NodeBehaviour decorators (misbehaving nodes, local differential
/// privacy): every call goes to the wrapped behaviour, so a decorator
/// overrides only what it changes, and a method added to NodeBehaviour is
/// forwarded by all of them at once.

#include <memory>
#include <stdexcept>
#include <string>

#include "runtime/node/node_behaviour.hpp"

namespace troupe::runtime {

class ForwardingNodeBehaviour : public NodeBehaviour {
 public:
  std::string name() const override { return inner_->name(); }
  NodeData setup(const NodeSetup& setup) override { return inner_->setup(setup); }
  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override {
    return inner_->train(global, task, update);
  }
  models::ClassificationMetrics evaluate(const models::Parameters& global) override {
    return inner_->evaluate(global);
  }
  models::ClassificationMetrics evaluate_held_out(const models::Parameters& global) override {
    return inner_->evaluate_held_out(global);
  }
  models::Parameters initial_global(const JobSpec& job) const override {
    return inner_->initial_global(job);
  }

 protected:
  /// Wraps `inner`; throws std::invalid_argument naming `decorator` when it is null.
  ForwardingNodeBehaviour(std::unique_ptr<NodeBehaviour> inner, const std::string& decorator)
      : inner_(std::move(inner)) {
    if (!inner_) throw std::invalid_argument(decorator + ": no behaviour to wrap");
  }

  std::unique_ptr<NodeBehaviour> inner_;  ///< the behaviour that does the work
};

}  // namespace troupe::runtime
