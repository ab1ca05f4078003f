// The node agent against a stand-in scheduler: how it registers again after
// the scheduler has declared its node lost.
#include "actors/node_agent.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "actors/aggregator_actor.hpp"
#include "actors/cluster.hpp"
#include "actors/node_actor.hpp"
#include "actors/scheduler_actor.hpp"

using namespace troupe;
using namespace std::chrono_literals;

namespace {

using release_atom = caf::atom_constant<caf::atom("release")>;

/// What the stand-in scheduler saw.
struct Seen {
  std::atomic<int> registrations{0};
  std::atomic<int> heartbeats{0};
  std::atomic<std::uint64_t> bytes{0};  ///< sent + received in the latest heartbeat
};

struct FakeSchedulerState {
  std::vector<caf::typed_response_promise<bool>> held;  ///< heartbeats not answered yet
  bool cut_off = false;
};

/// Answers the first registration, then holds back the next `held` heartbeats
/// (a link that is down) and answers them all at once with "unknown node", as
/// the real scheduler does once it has declared the node lost. With `held` 0
/// it answers every heartbeat "known".
actors::scheduler_actor::behavior_type fake_scheduler(
    actors::scheduler_actor::stateful_pointer<FakeSchedulerState> self, std::shared_ptr<Seen> seen,
    int held) {
  return {
      [](actors::submit_atom, const runtime::JobSpec&, const runtime::Admission&)
          -> caf::result<runtime::RunReport> { return runtime::RunReport{}; },
      [self, seen, held](actors::register_atom, const actors::NodeRegistration&,
                         const caf::actor&) -> caf::result<caf::actor> {
        ++seen->registrations;
        self->state.cut_off = held > 0 && seen->registrations == 1;
        return caf::actor{};
      },
      [self, seen, held](actors::heartbeat_atom, const std::string&,
                         const runtime::NodeUsage& usage) -> caf::result<bool> {
        seen->bytes = usage.bytes_sent + usage.bytes_received;
        ++seen->heartbeats;
        auto& st = self->state;
        if (!st.cut_off) return true;
        st.held.push_back(self->make_response_promise<bool>());
        if (static_cast<int>(st.held.size()) == held) {
          st.cut_off = false;
          for (auto& rp : st.held) rp.deliver(false);
          st.held.clear();
        }
        return caf::delegated<bool>{};
      },
      [](actors::status_atom, const runtime::Admission&) -> caf::result<actors::ClusterStatus> {
        return actors::ClusterStatus{};
      },
      [](actors::aggregator_atom, const caf::actor&, const runtime::Admission&) { return true; },
      // Job requests are not part of this test.
      [](actors::detach_atom, const runtime::JobSpec&,
         const runtime::Admission&) -> caf::result<std::string> { return std::string(); },
      [](actors::bulk_atom, std::uint64_t, const runtime::Admission&)
          -> caf::result<actors::BulkOffer> { return actors::BulkOffer{}; },
      [](actors::jobs_atom, const runtime::Admission&) -> caf::result<actors::JobList> {
        return actors::JobList{};
      },
      [](actors::follow_atom, const std::string&,
         const runtime::Admission&) -> caf::result<std::string> { return std::string(); },
      [](actors::fetch_atom, const std::string&,
         const runtime::Admission&) -> caf::result<std::string, std::string> {
        return {std::string(), std::string()};
      },
      [](actors::cancel_atom, const std::string&,
         const runtime::Admission&) -> caf::result<bool, std::string> {
        return {false, std::string()};
      },
      [](actors::hello_atom, const std::string&, const std::string& version, std::int32_t protocol)
          -> caf::result<std::string, std::string, std::string, std::int32_t> {
        return {std::string("nonce"), std::string("fake"), version, protocol};
      },
      [](actors::secagg_atom, std::uint64_t, const actors::AggregateOutcome&) {},
      [](actors::computing_atom, std::uint64_t, std::int64_t) {},
      [](actors::tick_atom, std::uint64_t) {},
      [](actors::tick_atom) {},
  };
}

/// A node and its agent against the stand-in scheduler (fake_scheduler with
/// `held`); start() spawns the agent once `agent_config` is as the test wants it.
struct AgentRig {
  explicit AgentRig(int held) : system(configured(cfg)) {
    scheduler = system.spawn(fake_scheduler, seen, held);
    actors::NodeConfig nc;
    nc.name = "n1";
    nc.gate = std::make_shared<runtime::ComputeGate>(1);
    node = actors::spawn_node(system, nc);
    agent_config.scheduler = scheduler;
    agent_config.node = node;
    agent_config.registration.name = "n1";
  }
  ~AgentRig() {
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  }
  void start() { agent = actors::spawn_node_agent(system, agent_config); }
  /// Waits up to 10 s for `done`; its last answer.
  template <class Done>
  static bool wait_for(Done done) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
    return done();
  }
  static caf::actor_system_config& configured(caf::actor_system_config& c) {
    actors::configure(c);
    return c;
  }

  caf::actor_system_config cfg;
  caf::actor_system system;
  std::shared_ptr<Seen> seen = std::make_shared<Seen>();
  actors::scheduler_actor scheduler;
  actors::node_actor node;
  actors::NodeAgentConfig agent_config;
  caf::actor agent;
};

}  // namespace

TEST(NodeAgent, ManyHeartbeatsAnsweredUnknownAtOnceLeadToOneRegistration) {
  // Given a scheduler that, after the first registration, answers three
  // heartbeats together with "unknown node" (its link came back after it had
  // declared the node lost)
  AgentRig rig(3);
  rig.agent_config.heartbeat_interval_s =
      0.1;  // request timeout 0.4 s: the three are all still awaited
  rig.start();
  // When the heartbeats go on for a while after that
  AgentRig::wait_for([&] { return rig.seen->heartbeats >= 20; });
  // Then the node registered once more, not once per "unknown"
  EXPECT_GE(rig.seen->heartbeats, 20);
  EXPECT_EQ(rig.seen->registrations, 2);
}

// The node's byte counters reach the scheduler soon after they change, not at
// the next heartbeat, without the agent polling them: the traffic meter wakes it.
TEST(NodeAgent, ReportsTrafficSoonAfterItChangesWithoutWaitingForTheHeartbeat) {
  AgentRig rig(0);
  auto traffic = std::make_shared<runtime::TrafficMeter>();
  rig.agent_config.heartbeat_interval_s =
      600.0;  // only the first regular heartbeat falls in the test
  rig.agent_config.traffic = traffic;
  rig.start();
  auto& seen = rig.seen;
  // Given a registered node whose first heartbeat has been answered
  ASSERT_TRUE(AgentRig::wait_for([&] { return seen->heartbeats >= 1; }));
  std::this_thread::sleep_for(100ms);
  const int after_first = seen->heartbeats;
  // When its node fetches a model and sends an update, twice, a second apart
  std::uint64_t total = 0;
  for (int burst = 0; burst < 2; ++burst) {
    traffic->add_received(600);
    traffic->add_sent(400);
    total += 1000;
    // Then a heartbeat reports the new total within seconds, the heartbeat
    // interval being ten minutes
    EXPECT_TRUE(AgentRig::wait_for([&] { return seen->bytes == total; })) << "burst " << burst;
    std::this_thread::sleep_for(1s);
  }
  // And the changes of each burst went in one or two heartbeats, none while
  // nothing changed
  EXPECT_GE(seen->heartbeats - after_first, 2);
  EXPECT_LE(seen->heartbeats - after_first, 4);
}

// Heartbeats carry only a node's name: the scheduler accepts them only from the
// actor that registered the node, so no other peer can keep a node "alive".
TEST(NodeAgent, TheSchedulerRefusesHeartbeatsInANodesNameFromAnotherActor) {
  caf::actor_system_config cfg;
  actors::configure(cfg);
  caf::actor_system system{cfg};
  auto aggregator = actors::spawn_aggregator(system);
  actors::SchedulerConfig sc;
  sc.aggregator = aggregator;
  auto scheduler = actors::spawn_scheduler(system, sc);
  caf::scoped_actor agent{system}, impostor{system};
  actors::NodeRegistration reg;
  reg.name = "n1";
  agent
      ->request(scheduler, std::chrono::seconds(10), actors::register_atom::value, reg,
                caf::actor_cast<caf::actor>(agent))
      .receive([](const caf::actor&) {}, [](caf::error& e) { FAIL() << to_string(e); });
  bool accepted = false;
  agent
      ->request(scheduler, std::chrono::seconds(10), actors::heartbeat_atom::value,
                std::string{"n1"}, runtime::NodeUsage{})
      .receive([&](bool ok) { accepted = ok; }, [](caf::error& e) { FAIL() << to_string(e); });
  EXPECT_TRUE(accepted);
  std::string refused;
  impostor
      ->request(scheduler, std::chrono::seconds(10), actors::heartbeat_atom::value,
                std::string{"n1"}, runtime::NodeUsage{})
      .receive([&](bool) { refused = "accepted"; }, [&](caf::error& e) { refused = to_string(e); });
  EXPECT_NE(refused.find("did not register it"), std::string::npos) << refused;
  agent->send_exit(scheduler, caf::exit_reason::user_shutdown);
  agent->send_exit(aggregator, caf::exit_reason::user_shutdown);
}
