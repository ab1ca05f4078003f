#include "logging_node.hpp"

#include <iostream>

namespace example {

namespace actors = troupe::actors;

namespace {

struct LoggingNodeState {
  std::string node;          ///< the node's name, for the log
  actors::node_actor inner;  ///< the built-in node doing the work
  std::shared_ptr<NodeLog> log;
  static inline const char* name = "example.logging_node";
};

actors::node_actor::behavior_type logging_node(
    actors::node_actor::stateful_pointer<LoggingNodeState> self, std::string name,
    actors::node_actor inner, std::shared_ptr<NodeLog> log) {
  self->state.node = std::move(name);
  self->state.inner = inner;
  self->state.log = std::move(log);
  self->link_to(inner);  // the built-in node ends with this one
  return {
      [self](actors::setup_atom a, const troupe::runtime::JobSpec& job) {
        ++self->state.log->setups;
        std::cout << "[" << self->state.node << "] set-up for job '" << job.name << "'"
                  << std::endl;
        return self->delegate(self->state.inner, a, job);
      },
      [self](actors::train_atom a, const actors::TrainTask& task) {
        ++self->state.log->trains;
        std::cout << "[" << self->state.node << "] round " << task.round << ": training shard "
                  << task.shard << " from version " << task.base_version << std::endl;
        return self->delegate(self->state.inner, a, task);
      },
      [self](actors::eval_atom a, const actors::EvalTask& task) {
        ++self->state.log->evaluations;
        std::cout << "[" << self->state.node << "] evaluating version " << task.version
                  << std::endl;
        return self->delegate(self->state.inner, a, task);
      },
      [self](actors::aggregator_atom a, const caf::actor& aggregator) {
        self->send(self->state.inner, a, aggregator);
      },
      [self](actors::leave_atom a, std::uint64_t run_id) {
        self->send(self->state.inner, a, run_id);
      },
  };
}

}  // namespace

actors::node_actor spawn_logging_node(caf::actor_system& system, actors::NodeConfig config,
                                      std::shared_ptr<NodeLog> log) {
  auto name = config.name;
  auto inner = actors::spawn_node(system, std::move(config));
  return system.spawn(logging_node, std::move(name), inner, std::move(log));
}

}  // namespace example
