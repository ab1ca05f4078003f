#include "actors/node_agent.hpp"

#include <chrono>

#include "actors/errors.hpp"
#include "actors/handshake.hpp"
#include "runtime/system/admission.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::actors {

namespace logging = runtime::logging;
using logging::Level;
namespace {

using register_retry_atom = caf::atom_constant<caf::atom("reregister")>;
using traffic_atom = caf::atom_constant<caf::atom("traffic")>;
using traffic_flush_atom = caf::atom_constant<caf::atom("trafficfl")>;

/// A change of the traffic counters is reported this long after the meter
/// wakes the agent rather than at the next heartbeat, so that a job's report
/// (built when its last task ends) includes the bytes its last rounds moved;
/// the changes within that time go in one heartbeat. The meter wakes the
/// agent (runtime::TrafficMeter::watch), so an idle node has no timer besides
/// the heartbeat's. (The agent polled the counters every 20 ms before: 50
/// wake-ups a second per node process, 2,500 a second on a machine of 50.)
constexpr double kTrafficFlushS = 0.02;

struct AgentState {
  NodeAgentConfig config;
  runtime::UsageSampler sampler;
  bool registered = false;
  /// A registration (with its challenge and retries) is in flight. Once a node
  /// has been declared lost (say its link was down), every heartbeat still in
  /// flight is answered "unknown"; one registration answers them all. A
  /// registration per answer would make the scheduler see each later one as a
  /// restart of an alive node and take its work away again.
  bool registering = false;
  std::uint64_t registrations = 0;   ///< completed registrations
  std::uint64_t reported_bytes = 0;  ///< sent + received in the latest heartbeat
  bool flush_pending = false;        ///< a traffic_flush_atom is on its way
  static inline const char* name = "troupe.node_agent";
};

using AgentPtr = caf::stateful_actor<AgentState>*;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

/// Asks the node's traffic meter to wake this agent at its next change (and,
/// after each report, at the next one: traffic_flush_atom re-arms it). The
/// meter holds a weak reference, so it does not keep the agent alive.
void watch_traffic(AgentPtr self) {
  const auto& traffic = self->state.config.traffic;
  if (!traffic) return;
  caf::weak_actor_ptr weak{self->ctrl()};
  traffic->watch([weak] {
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<caf::actor>(strong), traffic_atom::value);
  });
}

void retry_later(AgentPtr self) {
  self->delayed_send(self, ms(self->state.config.retry_interval_s), register_retry_atom::value);
}

/// Admission refused for good (a wrong secret or key, another protocol): says
/// why and quits.
void refused(AgentPtr self, const std::string& why) {
  auto& st = self->state;
  logging::Line(Level::warn) << "troupe node " << st.config.registration.name
                             << ": not admitted: " << why;
  if (st.config.on_refused) st.config.on_refused(why);
  self->quit(caf::exit_reason::user_shutdown);
}

void send_registration(AgentPtr self, NodeRegistration reg) {
  auto& st = self->state;
  self->request(st.config.scheduler, std::chrono::seconds(10), register_atom::value, std::move(reg),
                caf::actor_cast<caf::actor>(st.config.node))
      .then(
          [self](const caf::actor&) {
            // The node is not told the aggregator answered here: the
            // scheduler sends it its job's aggregator before every set-up,
            // and a word from here could overtake that one (several jobs at
            // once have aggregators of their own).
            auto& st = self->state;
            st.registering = false;
            ++st.registrations;
            if (st.registered && st.config.announce)
              logging::Line(Level::info) << "troupe node " << st.config.registration.name
                                         << ": registered again (the scheduler had lost it)";
            if (!st.registered) {
              st.registered = true;
              if (st.config.announce)
                logging::Line(Level::info)
                    << "troupe node " << st.config.registration.name << ": registered "
                    << runtime::process_uptime() << " s after start, rss "
                    << runtime::process_rss() / (1024 * 1024) << " MiB";
              self->send(self, tick_atom::value);
              watch_traffic(self);
            }
          },
          [self](caf::error& err) {
            const auto why = describe(err, self->system());
            auto& st = self->state;
            if (is(err, troupe_error::admission_refused)) {
              refused(self, why);
              return;
            }
            logging::Line(Level::warn) << "troupe node " << st.config.registration.name
                                       << ": registration refused (" << why << "), retrying";
            retry_later(self);
          });
}

/// Says hello (the version check), answers its nonce with the secret and the
/// key the node has, and registers.
void register_now(AgentPtr self) {
  auto& st = self->state;
  st.registering = true;  // until a registration succeeds (retries included)
  const auto own = own_versions();
  self->request(st.config.scheduler, std::chrono::seconds(10), hello_atom::value,
                st.config.registration.name, own.troupe, own.protocol)
      .then(
          [self](std::string& nonce, std::string& id, std::string& version, std::int32_t protocol) {
            auto& st = self->state;
            std::string why;
            auto hello = check_hello_reply(
                {std::move(nonce), std::move(id), {std::move(version), protocol}}, &why);
            if (!hello) {
              refused(self, why);
              return;
            }
            auto reg = st.config.registration;
            reg.admission = answer_hello(*hello, reg.name, st.config.secret, st.config.key.get());
            send_registration(self, std::move(reg));
          },
          [self](caf::error& err) {
            if (is(err, troupe_error::version_mismatch)) {
              refused(self, describe(err, self->system()));
              return;
            }
            logging::Line(Level::info) << "troupe node " << self->state.config.registration.name
                                       << ": no hello from the scheduler ("
                                       << describe(err, self->system()) << "), retrying";
            retry_later(self);
          });
}

void send_heartbeat(AgentPtr self) {
  auto& st = self->state;
  auto usage = st.sampler.sample();
  st.reported_bytes = usage.bytes_sent + usage.bytes_received;
  self->request(st.config.scheduler, ms(st.config.heartbeat_interval_s * 4), heartbeat_atom::value,
                st.config.registration.name, std::move(usage))
      .then(
          [self, sent_after = st.registrations](bool known) {
            auto& st = self->state;
            // The scheduler forgot us (lost or restarted): register again, unless
            // that is under way or done since this heartbeat left.
            if (!known && !st.registering && sent_after == st.registrations) register_now(self);
          },
          [](caf::error&) {});  // a missed heartbeat; the monitor tells if the scheduler is gone
}

caf::behavior agent_behavior(AgentPtr self, NodeAgentConfig config) {
  self->state.config = std::move(config);
  self->state.sampler =
      runtime::UsageSampler(self->state.config.disk_path, self->state.config.traffic);
  self->monitor(self->state.config.scheduler);
  self->monitor(self->state.config.node);
  self->set_down_handler([self](caf::down_msg& dm) { self->quit(dm.reason); });
  register_now(self);
  return {
      [self](register_retry_atom) { register_now(self); },
      [self](tick_atom) {
        send_heartbeat(self);
        self->delayed_send(self, ms(self->state.config.heartbeat_interval_s), tick_atom::value);
      },
      [self](traffic_atom) {
        auto& st = self->state;
        if (st.flush_pending) return;
        st.flush_pending = true;
        self->delayed_send(self, ms(kTrafficFlushS), traffic_flush_atom::value);
      },
      [self](traffic_flush_atom) {
        auto& st = self->state;
        st.flush_pending = false;
        const auto& traffic = st.config.traffic;
        if (!traffic) return;
        traffic->arm();  // before the counters are read: a change after it wakes us again
        if (traffic->sent() + traffic->received() != st.reported_bytes) send_heartbeat(self);
      },
  };
}

}  // namespace

caf::actor spawn_node_agent(caf::actor_system& system, NodeAgentConfig config) {
  return system.spawn(agent_behavior, std::move(config));
}

}  // namespace troupe::actors
