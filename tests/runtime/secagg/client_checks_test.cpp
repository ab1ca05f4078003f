// What a client checks of what the server relays: a roster that holds its own
// keys and no duplicates, envelopes that decrypt as addressed, requests that
// never reveal both secrets of one participant.
#include <gtest/gtest.h>

#include "runtime/secagg/wire_format.hpp"

namespace troupe::runtime::secagg {
namespace {

// Three clients and a server up to the roster; helpers to edit messages.
struct Trio {
  std::vector<ParticipantId> ids{1, 2, 3};
  Server server{5, ids, 4};
  std::vector<Client> clients;
  Bytes roster;
  Trio() {
    for (auto id : ids) clients.emplace_back(5, id, id + 10);
    for (std::size_t i = 0; i < ids.size(); ++i)
      EXPECT_TRUE(server.add_advertisement(ids[i], clients[i].advertise()).ok);
    roster = server.close_advertisements();
  }
  Bytes edited_roster(const std::function<void(Roster&)>& edit) const {
    Reader r(roster, Kind::roster);
    auto parsed = read_roster(r);
    edit(parsed);
    return write_roster(r.header(), parsed);
  }
  // Every client shares and masks a constant input; returns the survivors message.
  void share_all() {
    for (std::size_t i = 0; i < ids.size(); ++i)
      ASSERT_TRUE(server.add_shares(ids[i], clients[i].share(roster)).ok);
    server.close_shares();
  }
};

void expect_throw_with(const std::function<void()>& call, const std::string& phrase) {
  try {
    call();
    ADD_FAILURE() << "expected an exception containing: " << phrase;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
  }
}

TEST(ClientRefuses, ARosterWithOtherKeysForItself) {
  Trio t;
  const auto roster =
      t.edited_roster([](Roster& r) { std::swap(r.entries[0].keys, r.entries[1].keys); });
  expect_throw_with([&] { t.clients[0].share(roster); }, "other keys for participant 1");
}

TEST(ClientRefuses, ARosterThatLacksIt) {
  Trio t;
  const auto roster = t.edited_roster([](Roster& r) {
    r.entries.erase(r.entries.begin());
    r.params.participants = 2;
    r.params.degree = 1;
    r.params.threshold = 2;
  });
  expect_throw_with([&] { t.clients[0].share(roster); }, "the roster lacks this participant (1)");
}

TEST(ClientRefuses, ARosterWithADuplicateId) {
  Trio t;
  const auto roster = t.edited_roster([](Roster& r) { r.entries[2].id = 2; });
  expect_throw_with([&] { t.clients[0].share(roster); }, "lists participant 2 twice");
}

TEST(ClientRefuses, ARosterWithADuplicateKey) {
  Trio t;
  const auto roster =
      t.edited_roster([](Roster& r) { r.entries[2].keys.c_pk = r.entries[1].keys.s_pk; });
  expect_throw_with([&] { t.clients[0].share(roster); }, "repeats a public key");
}

TEST(ClientRefuses, ARosterOfAnotherCohortOrWithWeakParameters) {
  Trio t;
  Trio other;  // same ids, cohort 5 too: rewrite the cohort field
  Bytes moved = t.roster;
  moved[6] ^= 1;  // cohort tag, low byte
  expect_throw_with([&] { t.clients[0].share(moved); }, "of cohort 4, this is cohort 5");
  const auto weak = t.edited_roster([](Roster& r) { r.params.threshold = 1; });
  expect_throw_with([&] { other.clients[0].share(weak); }, "threshold 1 must lie in");
}

TEST(ClientRefuses, AnEnvelopeRedirectedFromAnotherSender) {
  Trio t;
  t.share_all();
  // Claim that 3's envelope to 1 came from 2: the AEAD binds the sender.
  Reader r(t.server.inbox(1), Kind::inbox);
  auto envelopes = read_envelopes(r);
  ASSERT_EQ(envelopes.size(), 2u);
  std::swap(envelopes[0].cipher, envelopes[1].cipher);
  const Bytes forged = write_envelopes(Writer(r.header()), envelopes);
  expect_throw_with([&] { t.clients[0].mask(forged, std::vector<std::uint64_t>(4, 0)); },
                    "do not decrypt (altered or misdirected)");
}

TEST(ClientRefuses, AnotherParticipantsInbox) {
  Trio t;
  t.share_all();
  expect_throw_with([&] { t.clients[0].mask(t.server.inbox(2), std::vector<std::uint64_t>(4, 0)); },
                    "an inbox message for participant 2");
}

TEST(ClientRefuses, InputsOfTheWrongLengthOrAboveTheRing) {
  Trio t;
  t.share_all();
  const Bytes inbox = t.server.inbox(1);
  EXPECT_THROW(t.clients[0].mask(inbox, std::vector<std::uint64_t>(3, 0)), std::invalid_argument);
  Trio u;
  u.share_all();
  EXPECT_THROW(u.clients[0].mask(u.server.inbox(1), {0, 0, 0, std::uint64_t{1} << 48}),
               std::invalid_argument);
}

TEST(ClientRefuses, ToRevealBothSecretsOfOneParticipant) {
  Trio t;
  t.share_all();
  t.clients[0].mask(t.server.inbox(1), std::vector<std::uint64_t>(4, 0));
  SurvivorsMessage both;
  both.masked = {1, 2};
  both.dropped = {2};
  const Bytes forged = write_survivors({Kind::survivors, 5, 0}, both);
  expect_throw_with([&] { t.clients[0].unmask(forged); },
                    "asks for both secrets of participant 2; refused");
}

TEST(ClientRefuses, ToRevealItsOwnMaskKeyOrOneOfAStranger) {
  Trio t;
  t.share_all();
  t.clients[0].mask(t.server.inbox(1), std::vector<std::uint64_t>(4, 0));
  expect_throw_with(
      [&] {
        Client copy = std::move(t.clients[0]);
        copy.unmask(write_survivors({Kind::survivors, 5, 0}, {{2, 3}, {1}}));
      },
      "own mask key");
  Trio u;
  u.share_all();
  u.clients[0].mask(u.server.inbox(1), std::vector<std::uint64_t>(4, 0));
  expect_throw_with(
      [&] {
        u.clients[0].unmask(write_survivors({Kind::survivors, 5, 0}, {{1, 2}, {77}}));
      },
      "participant 77, who is not in the roster");
}

TEST(ClientRefuses, ToUnmaskANeighbourWhoseSharesTheServerWithheld) {
  Trio t;  // three participants: everyone is everyone's neighbour
  t.share_all();
  Reader r(t.server.inbox(1), Kind::inbox);
  auto envelopes = read_envelopes(r);
  envelopes.pop_back();  // 3's envelope is withheld: 1 does not mask with 3
  t.clients[0].mask(write_envelopes(Writer(r.header()), envelopes),
                    std::vector<std::uint64_t>(4, 0));
  expect_throw_with(
      [&] {
        t.clients[0].unmask(write_survivors({Kind::survivors, 5, 0}, {{1, 2, 3}, {}}));
      },
      "lists participant 3 as masked, whose shares never arrived here");
}

TEST(ClientRefuses, CallsOutOfOrder) {
  Client c(1, 1, 1);
  EXPECT_THROW(c.unmask({}), std::logic_error);
}

}  // namespace
}  // namespace troupe::runtime::secagg
