// Bad input at the server: each refused with a reason naming its sender, who
// then counts as dropped; the cohort finishes with the honest ones and the
// sum is right.
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/secagg/cohort_runner.hpp"
#include "runtime/secagg/wire_format.hpp"

namespace troupe::runtime::secagg {
namespace {

using testing::CohortPlan;
using testing::CohortRun;
using testing::plain_sum;
using testing::run_cohort;

bool has(const std::vector<ParticipantId>& ids, ParticipantId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Exactly one refusal, whose reason names `sender` and contains `phrase`;
// the cohort's sum over the included ones is right.
void expect_refused(const CohortRun& run, ParticipantId sender, const std::string& phrase,
                    int bits = 48) {
  ASSERT_EQ(run.refusals.size(), 1u);
  const auto& reason = run.refusals[0].reason;
  EXPECT_NE(reason.find("participant " + std::to_string(sender) + " "), std::string::npos)
      << reason;
  EXPECT_NE(reason.find(phrase), std::string::npos) << reason;
  EXPECT_FALSE(has(run.result.included, sender));
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, bits));
}

// A plan of 20 (degree 12, not complete) where `victim` tampers at `stage`.
CohortPlan tampering(int stage, ParticipantId victim, std::function<void(Bytes&)> change) {
  CohortPlan plan;
  plan.participants = 20;
  plan.tamper = [=](int s, ParticipantId id, Bytes& message) {
    if (s == stage && id == victim) change(message);
  };
  return plan;
}

template <typename Edit>
void edit_shares(Bytes& message, Edit edit) {
  Reader r(message, Kind::shares);
  auto shares = read_shares(r);
  edit(shares.envelopes);
  message = write_shares(r.header(), shares);
}

TEST(ServerRefuses, AMaskedVectorCutShort) {
  auto plan = tampering(2, 103, [](Bytes& m) { m.pop_back(); });
  const auto run = run_cohort(plan);
  expect_refused(run, 103, "malformed masked input");
  EXPECT_TRUE(has(run.result.recovered, 103));  // its masks are removed like a dropout's
}

TEST(ServerRefuses, AMaskedVectorOfTheWrongElementCount) {
  auto plan = tampering(2, 104, [](Bytes& m) {
    Reader r(m, Kind::masked);
    auto values = read_masked(r, 16, 48);
    values.pop_back();
    m = write_masked(r.header(), values, 48);
  });
  expect_refused(run_cohort(plan), 104, "a masked vector of 15 elements, expected 16");
}

TEST(ServerRefuses, AMaskedVectorWithValuesAboveTheRing) {
  // 44-bit elements, 17 of them: 4 unused bits in the last byte would carry
  // the top of a value of 2^44 or more.
  auto plan = tampering(2, 105, [](Bytes& m) { m.back() |= 0x80; });
  plan.bits = 44;
  plan.length = 17;
  expect_refused(run_cohort(plan), 105, "padding bits are not zero", 44);
}

TEST(ServerRefuses, SharesWithTrailingBytes) {
  auto plan = tampering(1, 106, [](Bytes& m) { m.push_back(0); });
  const auto run = run_cohort(plan);
  expect_refused(run, 106, "unexpected bytes");
  EXPECT_FALSE(has(run.result.recovered, 106));  // refused before sharing: simply left out
}

TEST(ServerRefuses, SharesAddressedToANonNeighbour) {
  auto plan = tampering(1, 107, [](Bytes& m) {
    edit_shares(m, [](std::vector<Envelope>& e) { e[0].peer = 107; });  // itself
  });
  expect_refused(run_cohort(plan), 107, "addressed shares to participant 107, not a neighbour");
}

TEST(ServerRefuses, SharesMissingARecipient) {
  auto plan = tampering(
      1, 108, [](Bytes& m) { edit_shares(m, [](std::vector<Envelope>& e) { e.pop_back(); }); });
  expect_refused(run_cohort(plan), 108, "sent shares to 11 of its 12 neighbours");
}

TEST(ServerRefuses, SharesWithADuplicatedRecipient) {
  auto plan = tampering(1, 109, [](Bytes& m) {
    edit_shares(m, [](std::vector<Envelope>& e) { e[1].peer = e[0].peer; });
  });
  expect_refused(run_cohort(plan), 109, "twice");
}

TEST(ServerRefuses, AMessageReplayedFromAnotherCohort) {
  Bytes old;
  CohortPlan first;
  first.participants = 20;
  first.tamper = [&](int stage, ParticipantId id, Bytes& m) {
    if (stage == 1 && id == 110) old = m;
  };
  run_cohort(first);
  CohortPlan second = first;
  second.cohort = first.cohort + 1;
  second.tamper = [&](int stage, ParticipantId id, Bytes& m) {
    if (stage == 1 && id == 110) m = old;
  };
  expect_refused(run_cohort(second), 110, "of cohort 7 to cohort 8 (a replay?)");
}

TEST(ServerRefuses, AMessageSignedAsAnotherParticipant) {
  auto plan = tampering(2, 111, [](Bytes& m) { m[14] ^= 1; });  // party field, low byte
  expect_refused(run_cohort(plan), 111, "signed as participant 110");
}

TEST(ServerRefuses, UnmaskingSharesOfTheWrongSecret) {
  // 112 asks the server to learn a survivor's mask key: refused; 112 is still
  // in the sum (its masked input arrived), its shares are not used.
  auto plan = tampering(3, 112, [](Bytes& m) {
    Reader r(m, Kind::unmasking);
    auto shares = read_unmasking(r);
    shares[0].secret = Secret::mask_key;
    m = write_unmasking(r.header(), shares);
  });
  const auto run = run_cohort(plan);
  ASSERT_EQ(run.refusals.size(), 1u);
  EXPECT_NE(run.refusals[0].reason.find("participant 112 sent a share of participant"),
            std::string::npos)
      << run.refusals[0].reason;
  EXPECT_NE(run.refusals[0].reason.find("which unmasking must not learn"), std::string::npos);
  EXPECT_TRUE(has(run.result.included, 112));
  ASSERT_EQ(run.result.refused_shares.size(), 1u);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, 48));
}

TEST(ServerRefuses, ADuplicatedUnmaskingShare) {
  auto plan = tampering(3, 113, [](Bytes& m) {
    Reader r(m, Kind::unmasking);
    auto shares = read_unmasking(r);
    shares.push_back(shares[0]);
    m = write_unmasking(r.header(), shares);
  });
  const auto run = run_cohort(plan);
  ASSERT_EQ(run.refusals.size(), 1u);
  EXPECT_NE(run.refusals[0].reason.find("participant 113 sent a second share of participant"),
            std::string::npos)
      << run.refusals[0].reason;
  EXPECT_TRUE(has(run.result.included, 113));
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, 48));
}

TEST(ServerFinds, AWrongShareAndKeysThatDoNotMatchTheirAdvertisementAndNamesTheSender) {
  // 100 is first among every set of holders it is in, so its wrong shares
  // spoil the first reconstruction of each secret it holds: of survivors'
  // self-mask seeds (the commitment fails) and of the dropped 105's mask key
  // (the key rebuilt does not match the advertised one).
  CohortPlan plan;
  plan.participants = 10;
  plan.drop_before_masked = {105};
  plan.tamper = [](int stage, ParticipantId id, Bytes& m) {
    if (stage != 3 || id != 100) return;
    Reader r(m, Kind::unmasking);
    auto shares = read_unmasking(r);
    for (auto& s : shares) s.share[1] = (s.share[1] + 1) % kFieldPrime;
    m = write_unmasking(r.header(), shares);
  };
  const auto run = run_cohort(plan);
  EXPECT_TRUE(run.refusals.empty());  // nothing to see until the shares are combined
  ASSERT_EQ(run.result.refused_shares.size(), 1u);
  EXPECT_NE(run.result.refused_shares[0].find("participant 100 sent a wrong share"),
            std::string::npos)
      << run.result.refused_shares[0];
  EXPECT_TRUE(has(run.result.recovered, 105));
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, 48));
}

TEST(ServerRefuses, EveryTruncationOfEveryClientMessageNamingItsSender) {
  for (int stage = 0; stage <= 3; ++stage) {
    // The full message's length first, then every shorter prefix of it.
    std::size_t full = 0;
    CohortPlan probe;
    probe.participants = 4;
    probe.length = 5;
    probe.tamper = [&](int s, ParticipantId id, Bytes& m) {
      if (s == stage && id == 100) full = m.size();
    };
    run_cohort(probe);
    ASSERT_GT(full, kHeaderSize);
    for (std::size_t keep = 0; keep < full; ++keep) {
      CohortPlan plan = probe;
      plan.tamper = [&](int s, ParticipantId id, Bytes& m) {
        if (s == stage && id == 100) m.resize(keep);
      };
      const auto run = run_cohort(plan);
      ASSERT_EQ(run.refusals.size(), 1u) << "stage " << stage << ", " << keep << " bytes";
      EXPECT_EQ(run.refusals[0].reason.rfind("participant 100 ", 0), 0u) << run.refusals[0].reason;
      EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, 48)) << stage << " " << keep;
    }
  }
}

// The stage and membership checks need messages out of the runner's order.
struct SmallCohort {
  std::vector<ParticipantId> ids{1, 2, 3, 4};
  Server server{42, ids, 8};
  std::vector<Client> clients;
  std::vector<Bytes> adverts;
  SmallCohort() {
    for (auto id : ids) clients.emplace_back(42, id, id);
    for (auto& c : clients) adverts.push_back(c.advertise());
  }
};

TEST(ServerRefuses, AnIdNotExpectedInTheCohort) {
  SmallCohort c;
  Client stranger(42, 99, 99);
  const auto v = c.server.add_advertisement(99, stranger.advertise());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.reason, "participant 99 is not expected in this cohort");
}

TEST(ServerRefuses, SharesFromOneWhoDidNotJoinAndAReplayedAdvertisementAndDuplicates) {
  SmallCohort c;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.server.add_advertisement(c.ids[i], c.adverts[i]).ok);
  const auto dup = c.server.add_advertisement(1, c.adverts[0]);
  EXPECT_FALSE(dup.ok);
  EXPECT_EQ(dup.reason, "participant 1 sent a second advertisement");
  const Bytes roster = c.server.close_advertisements();  // 2 and 3 only

  // 4 never advertised: its shares (made against the roster anyway) are refused.
  EXPECT_THROW(c.clients[3].share(roster), std::runtime_error);  // not in the roster
  Client late(42, 4, 4);
  late.advertise();
  const auto joined = c.server.add_shares(4, c.adverts[3]);
  EXPECT_FALSE(joined.ok);
  EXPECT_EQ(joined.reason, "participant 4 sends shares for a cohort it did not join");

  const auto replay = c.server.add_advertisement(2, c.adverts[1]);
  EXPECT_FALSE(replay.ok);
  EXPECT_NE(replay.reason.find("participant 2 sent an advertisement message during stage 1"),
            std::string::npos)
      << replay.reason;
  const auto again = c.server.add_shares(2, c.clients[1].share(roster));
  EXPECT_FALSE(again.ok);  // 2 counts as dropped from then on
  EXPECT_EQ(again.reason, "participant 2 was already dropped from this cohort");
  EXPECT_EQ(c.server.active(), std::vector<ParticipantId>{3});
}

TEST(ServerRefuses, ASecondMaskedInputAndTheFirstIsWithdrawn) {
  SmallCohort c;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.server.add_advertisement(c.ids[i], c.adverts[i]).ok);
  const Bytes roster = c.server.close_advertisements();
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(c.server.add_shares(c.ids[i], c.clients[i].share(roster)).ok);
  c.server.close_shares();
  std::vector<std::vector<std::uint64_t>> inputs;
  std::vector<std::uint64_t> expected(8, 0);
  for (int i = 0; i < 4; ++i) {
    inputs.push_back(std::vector<std::uint64_t>(8, 1000u * (i + 1)));
    const Bytes m = c.clients[i].mask(c.server.inbox(c.ids[i]), inputs[i]);
    ASSERT_TRUE(c.server.add_masked(c.ids[i], m).ok);
    if (i == 2) {
      const auto twice = c.server.add_masked(c.ids[i], m);
      EXPECT_FALSE(twice.ok);
      EXPECT_EQ(twice.reason, "participant 3 sent a second masked input");
    } else {
      for (auto& e : expected) e += 1000u * (i + 1);
    }
  }
  const Bytes survivors = c.server.close_masked();
  for (int i = 0; i < 4; ++i)
    if (i != 2) {
      EXPECT_TRUE(c.server.add_unmasking(c.ids[i], c.clients[i].unmask(survivors)).ok);
    }
  const auto result = c.server.finish();
  EXPECT_EQ(result.recovered, std::vector<ParticipantId>{3});
  EXPECT_EQ(result.sum, expected);
  EXPECT_FALSE(c.server.add_unmasking(1, Bytes{}).ok);  // finished: nothing more is taken
}

TEST(WireFormat, AMaskedInputHasTheSizeMaskedSizeGives) {
  // An aggregator takes a masked input sent in parts only at this size.
  for (const int bits : {44, 48, 61, 64})
    for (const std::int64_t length : {0, 1, 7, 17, 101'771}) {
      const std::vector<std::uint64_t> values(static_cast<std::size_t>(length), 3);
      EXPECT_EQ(write_masked({Kind::masked, 9, 104}, values, bits).size(),
                masked_size(length, bits))
          << length << " elements of " << bits << " bits";
    }
}

}  // namespace
}  // namespace troupe::runtime::secagg
