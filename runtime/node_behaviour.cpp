#include "runtime/node_behaviour.hpp"

#include "runtime/libtorch_node_behaviour.hpp"
#include "runtime/registry.hpp"

namespace troupe::runtime {
namespace {

/// The one registry of node behaviours; never destroyed (see allocator.cpp).
Registry<NodeBehaviour>& behaviours() {
  static Registry<NodeBehaviour>* registry = [] {
    auto* r = new Registry<NodeBehaviour>("node behaviour");
    r->add(kDefaultNodeBehaviour, [] { return std::make_unique<LibTorchNodeBehaviour>(); });
    return r;
  }();
  return *registry;
}

}  // namespace

void register_node_behaviour(const std::string& name, NodeBehaviourFactory factory) {
  behaviours().add(name, std::move(factory));
}

std::vector<std::string> node_behaviour_names() {
  return behaviours().names();
}

std::unique_ptr<NodeBehaviour> make_node_behaviour(const std::string& name) {
  return behaviours().make(name);
}

}  // namespace troupe::runtime
