#include "actors/node_agent.hpp"

#include <chrono>

#include "actors/errors.hpp"
#include "runtime/resources.hpp"

namespace troupe::actors {
namespace {

using register_retry_atom = caf::atom_constant<caf::atom("reregister")>;

struct AgentState {
  NodeAgentConfig config;
  runtime::UsageSampler sampler;
  bool registered = false;
  /// A registration request is in flight. Once a node has been declared lost
  /// (say its link was down), every heartbeat still in flight is answered
  /// "unknown"; one registration answers them all. A registration per answer
  /// would make the scheduler see each later one as a restart of an alive node
  /// and take its work away again.
  bool registering = false;
  std::uint64_t registrations = 0;  ///< completed registrations
  static inline const char* name = "troupe.node_agent";
};

using AgentPtr = caf::stateful_actor<AgentState>*;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

void register_now(AgentPtr self) {
  auto& st = self->state;
  st.registering = true;
  self->request(st.config.scheduler, std::chrono::seconds(10), register_atom::value,
                st.config.registration, caf::actor_cast<caf::actor>(st.config.node))
      .then(
          [self](const caf::actor& aggregator) {
            auto& st = self->state;
            st.registering = false;
            ++st.registrations;
            self->send(st.config.node, aggregator_atom::value, aggregator);
            if (st.registered && st.config.announce)
              caf::aout(self) << "troupe node " << st.config.registration.name
                              << ": registered again (the scheduler had lost it)\n";
            if (!st.registered) {
              st.registered = true;
              if (st.config.announce)
                caf::aout(self) << "troupe node " << st.config.registration.name << ": registered "
                                << runtime::process_uptime() << " s after start, rss "
                                << runtime::process_rss() / (1024 * 1024) << " MiB\n";
              self->send(self, tick_atom::value);
            }
          },
          [self](caf::error& err) {
            caf::aout(self) << "troupe node " << self->state.config.registration.name
                            << ": registration refused (" << describe(err, self->system())
                            << "), retrying\n";
            self->delayed_send(self, ms(self->state.config.retry_interval_s),
                               register_retry_atom::value);
          });
}

caf::behavior agent_behavior(AgentPtr self, NodeAgentConfig config) {
  self->state.config = std::move(config);
  self->monitor(self->state.config.scheduler);
  self->monitor(self->state.config.node);
  self->set_down_handler([self](caf::down_msg& dm) { self->quit(dm.reason); });
  register_now(self);
  return {
      [self](register_retry_atom) { register_now(self); },
      [self](tick_atom) {
        auto& st = self->state;
        self->request(st.config.scheduler, ms(st.config.heartbeat_interval_s * 4),
                      heartbeat_atom::value, st.config.registration.name, st.sampler.sample())
            .then(
                [self, sent_after = st.registrations](bool known) {
                  auto& st = self->state;
                  // The scheduler forgot us (lost or restarted): register again,
                  // unless that is under way or done since this heartbeat left.
                  if (!known && !st.registering && sent_after == st.registrations)
                    register_now(self);
                },
                [](caf::error&) {
                });  // a missed heartbeat; the monitor tells if the scheduler is gone
        self->delayed_send(self, ms(st.config.heartbeat_interval_s), tick_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_node_agent(caf::actor_system& system, NodeAgentConfig config) {
  return system.spawn(agent_behavior, std::move(config));
}

}  // namespace troupe::actors
