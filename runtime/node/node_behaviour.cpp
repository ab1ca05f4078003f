#include "runtime/node/node_behaviour.hpp"

#include <stdexcept>

#include "runtime/core/job_model.hpp"
#include "runtime/core/registry.hpp"
#include "runtime/node/distill_node_behaviour.hpp"
#include "runtime/node/libtorch_node_behaviour.hpp"

namespace troupe::runtime {
namespace {

/// The one registry of node behaviours; never destroyed (see allocator.cpp).
Registry<NodeBehaviour>& behaviours() {
  static Registry<NodeBehaviour>* registry = [] {
    auto* r = new Registry<NodeBehaviour>("node behaviour");
    r->add(kDefaultNodeBehaviour, [] { return std::make_unique<LibTorchNodeBehaviour>(); });
    r->add(kDistillNodeBehaviour, [] { return std::make_unique<DistillNodeBehaviour>(); });
    return r;
  }();
  return *registry;
}

/// The job's model: a built-in one initialised from the job's seed, or the
/// script's own saved weights (after checking its bytes against their hash).
models::Parameters initialised_model(const JobSpec& job) {
  if (auto why = check_model_script(job); !why.empty()) throw std::invalid_argument(why);
  return models::initial_parameters(job_model(job), job.seed);
}

}  // namespace

models::Parameters NodeBehaviour::initial_global(const JobSpec& job) const {
  return initialised_model(job);
}

void register_node_behaviour(const std::string& name, NodeBehaviourFactory factory) {
  behaviours().add(name, std::move(factory));
}

std::vector<std::string> node_behaviour_names() {
  return behaviours().names();
}

std::unique_ptr<NodeBehaviour> make_node_behaviour(const std::string& name) {
  return behaviours().make(name);
}

models::Parameters initial_global_model(const JobSpec& job) {
  if (!behaviours().contains(job.cluster.node_behaviour)) return initialised_model(job);
  return behaviours().make(job.cluster.node_behaviour)->initial_global(job);
}

models::ClassificationMetrics NodeBehaviour::evaluate_held_out(const models::Parameters&) {
  throw std::logic_error("node behaviour '" + name() + "' does not support federated evaluation");
}

}  // namespace troupe::runtime
