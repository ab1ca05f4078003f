// The scheduler's refusals are error values: callers test the troupe error
// code, and one handler per message serves senders with and without an answer
// to a challenge.

#include <gtest/gtest.h>

#include "actors/cluster.hpp"
#include "actors/errors.hpp"
#include "actors/handshake.hpp"
#include "actors/protocol.hpp"
#include "actors/scheduler_actor.hpp"

using namespace troupe;

namespace {

constexpr char kSecret[] = "a-test-secret-of-enough-bytes";

struct Cluster {
  Cluster() : sys(make_cfg()) {}
  static caf::actor_system_config& make_cfg() {
    static caf::actor_system_config c;
    static bool once = [] {
      actors::configure(c);
      return true;
    }();
    (void)once;
    return c;
  }
  actors::scheduler_actor scheduler(const std::string& secret) {
    actors::SchedulerConfig sc;
    sc.secret = secret;
    sc.heartbeat_timeout_s = 0.0;
    return actors::spawn_scheduler(sys, sc);
  }
  caf::actor_system sys;
};

/// Asks `scheduler` for a nonce for `name` and answers it with `secret`.
runtime::Admission answered(caf::scoped_actor& self, const actors::scheduler_actor& scheduler,
                            const std::string& name, const std::string& secret) {
  runtime::Admission out;
  const auto own = actors::own_versions();
  self->request(scheduler, std::chrono::seconds(5), actors::hello_atom::value, name, own.troupe,
                own.protocol)
      .receive([&](const std::string& nonce, const std::string&, const std::string&,
                   std::int32_t) { out = runtime::answer_challenge(secret, nonce, name); },
               [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  return out;
}

}  // namespace

TEST(TroupeErrors, ARefusalCarriesItsCodeAndDescribesItselfWithItsReason) {
  Cluster c;
  const auto err = actors::make_error(actors::troupe_error::admission_refused, "wrong proof");
  EXPECT_TRUE(actors::is(err, actors::troupe_error::admission_refused));
  EXPECT_FALSE(actors::is(err, actors::troupe_error::no_aggregator));
  EXPECT_FALSE(actors::is(actors::failure("admission refused: lookalike"),
                          actors::troupe_error::admission_refused));
  EXPECT_EQ(actors::describe(err, c.sys), "admission refused: wrong proof");
  EXPECT_EQ(c.sys.render(err), "admission refused: wrong proof");
}

TEST(TroupeErrors, ACodeSurvivesTheWire) {
  Cluster c;
  const auto err = actors::make_error(actors::troupe_error::foreign_heartbeat, "not yours");
  std::vector<char> buf;
  caf::binary_serializer sink{c.sys, buf};
  ASSERT_FALSE(sink(const_cast<caf::error&>(err)));
  caf::error back;
  caf::binary_deserializer source{c.sys, buf};
  ASSERT_FALSE(source(back));
  EXPECT_TRUE(actors::is(back, actors::troupe_error::foreign_heartbeat));
  EXPECT_EQ(actors::describe(back, c.sys), "not yours");
}

TEST(SchedulerAdmission, ASchedulerWithASecretRefusesAStatusRequestWithoutAnAnswer) {
  Cluster c;
  auto scheduler = c.scheduler(kSecret);
  caf::scoped_actor self{c.sys};
  caf::error refusal;
  self->request(scheduler, std::chrono::seconds(5), actors::status_atom::value,
                runtime::Admission{})
      .receive([](const actors::ClusterStatus&) { ADD_FAILURE() << "answered without a proof"; },
               [&](caf::error& e) { refusal = std::move(e); });
  EXPECT_TRUE(actors::is(refusal, actors::troupe_error::admission_refused));
  EXPECT_NE(actors::describe(refusal, c.sys).find("no answer to a challenge"), std::string::npos);
  self->send_exit(scheduler, caf::exit_reason::user_shutdown);
}

TEST(SchedulerAdmission, TheSameHandlerAdmitsARightAnswer) {
  Cluster c;
  auto scheduler = c.scheduler(kSecret);
  caf::scoped_actor self{c.sys};
  const auto answer = answered(self, scheduler, actors::kStatusName, kSecret);
  bool answered_status = false;
  self->request(scheduler, std::chrono::seconds(5), actors::status_atom::value, answer)
      .receive([&](const actors::ClusterStatus&) { answered_status = true; },
               [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  EXPECT_TRUE(answered_status);
  self->send_exit(scheduler, caf::exit_reason::user_shutdown);
}

TEST(SchedulerAdmission, AWrongAnswerFromAnAggregatorIsRefusedByCode) {
  Cluster c;
  auto scheduler = c.scheduler(kSecret);
  caf::scoped_actor self{c.sys};
  const auto answer = answered(self, scheduler, actors::kAggregatorName, "another-secret-16bytes");
  caf::error refusal;
  self->request(scheduler, std::chrono::seconds(5), actors::aggregator_atom::value,
                caf::actor_cast<caf::actor>(self), answer)
      .receive([](bool) { ADD_FAILURE() << "accepted a wrong proof"; },
               [&](caf::error& e) { refusal = std::move(e); });
  EXPECT_TRUE(actors::is(refusal, actors::troupe_error::admission_refused));
  self->send_exit(scheduler, caf::exit_reason::user_shutdown);
}

TEST(SchedulerAdmission, WithoutASecretAnEmptyAnswerIsEnough) {
  Cluster c;
  auto scheduler = c.scheduler("");
  caf::scoped_actor self{c.sys};
  bool status = false;
  self->request(scheduler, std::chrono::seconds(5), actors::status_atom::value,
                runtime::Admission{})
      .receive([&](const actors::ClusterStatus&) { status = true; },
               [](caf::error& e) { ADD_FAILURE() << to_string(e); });
  EXPECT_TRUE(status);
  self->send_exit(scheduler, caf::exit_reason::user_shutdown);
}

TEST(SchedulerAdmission, ANodeRegisteringBeforeAnyAggregatorGetsTheNoAggregatorCode) {
  Cluster c;
  auto scheduler = c.scheduler("");
  caf::scoped_actor self{c.sys};
  actors::NodeRegistration reg;
  reg.name = "n1";
  caf::error refusal;
  self->request(scheduler, std::chrono::seconds(5), actors::register_atom::value, reg,
                caf::actor_cast<caf::actor>(self))
      .receive([](const caf::actor&) { ADD_FAILURE() << "registered without an aggregator"; },
               [&](caf::error& e) { refusal = std::move(e); });
  EXPECT_TRUE(actors::is(refusal, actors::troupe_error::no_aggregator));
  self->send_exit(scheduler, caf::exit_reason::user_shutdown);
}

TEST(SchedulerVersions, AHelloWithAnotherProtocolVersionIsRefusedNamingBothVersions) {
  Cluster c;
  auto scheduler = c.scheduler("");
  caf::scoped_actor self{c.sys};
  caf::error refusal;
  self->request(scheduler, std::chrono::seconds(5), actors::hello_atom::value, std::string{"n1"},
                std::string{"9.9.9"}, actors::kProtocolVersion + 1)
      .receive([](const std::string&, const std::string&, const std::string&,
                  std::int32_t) { ADD_FAILURE() << "accepted another protocol"; },
               [&](caf::error& e) { refusal = std::move(e); });
  EXPECT_TRUE(actors::is(refusal, actors::troupe_error::version_mismatch));
  const auto text = actors::describe(refusal, c.sys);
  EXPECT_NE(text.find("protocol " + std::to_string(actors::kProtocolVersion) + " (troupe " +
                      actors::own_versions().troupe + ")"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("protocol " + std::to_string(actors::kProtocolVersion + 1) + " (troupe 9.9.9)"),
      std::string::npos)
      << text;
  self->send_exit(scheduler, caf::exit_reason::user_shutdown);
}

TEST(SchedulerVersions, AClientRefusesASchedulerReplyWithAnotherProtocolVersion) {
  std::string why;
  actors::HelloReply reply{"nonce", "id", {"0.0.1", actors::kProtocolVersion - 1}};
  EXPECT_FALSE(actors::check_hello_reply(reply, &why));
  EXPECT_NE(why.find("the scheduler speaks protocol " +
                     std::to_string(actors::kProtocolVersion - 1) + " (troupe 0.0.1)"),
            std::string::npos)
      << why;
}
