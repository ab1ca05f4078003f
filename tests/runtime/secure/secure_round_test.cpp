// SecureRound runs one secure sum for the aggregator: real SecAgg+ clients
// through its stages, with dropouts, bad input and deadlines (the clock is
// passed in, so no test waits).
#include "runtime/secure/secure_round.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

using namespace troupe::runtime;
namespace secagg = troupe::runtime::secagg;

namespace {

constexpr std::int64_t kLength = 40;
constexpr std::uint64_t kMask = (std::uint64_t{1} << kSecureRingBits) - 1;

/// A cohort of clients driven through a SecureRound; each participant's
/// answers are kept, and participants can be told to stop or to misbehave.
struct Cohort {
  std::uint64_t tag = secure_cohort_tag(7, 1);
  SecureRound round{tag, kLength, /*stage_timeout_s=*/5.0};
  std::map<std::int64_t, secagg::Client> clients;
  std::map<std::int64_t, std::vector<std::uint64_t>> inputs;
  std::map<std::pair<std::int64_t, SecureStage>, SecureReply> answers;
  std::vector<SecureReply> refusals;

  explicit Cohort(int n) {
    std::mt19937_64 rng(11);
    for (std::int64_t id = 100; id < 100 + n; ++id) {
      clients.emplace(id, secagg::Client(tag, id, /*seed=*/static_cast<std::uint64_t>(id)));
      std::vector<std::uint64_t> v(kLength);
      for (auto& x : v) x = rng() & kMask;
      inputs[id] = std::move(v);
    }
  }
  std::vector<std::int64_t> ids() const {
    std::vector<std::int64_t> out;
    for (const auto& [id, c] : clients) out.push_back(id);
    return out;
  }
  void take(const std::vector<SecureReply>& replies) {
    for (const auto& r : replies) {
      if (!r.ok) refusals.push_back(r);
      answers[{r.task_id, r.stage}] = r;
    }
  }
  const SecureReply* answer(std::int64_t id, SecureStage s) const {
    auto it = answers.find({id, s});
    return it == answers.end() || !it->second.ok ? nullptr : &it->second;
  }
  void advertise_all() {
    for (auto& [id, c] : clients) take(round.offer(id, SecureStage::advertise, c.advertise(), 0.0));
  }
  /// Every participant that got the previous stage's answer sends `stage`'s
  /// message, except those in `silent`.
  void send(SecureStage stage, const std::set<std::int64_t>& silent = {}) {
    const auto previous = static_cast<SecureStage>(static_cast<int>(stage) - 1);
    for (auto& [id, c] : clients) {
      const auto* in = answer(id, previous);
      if (!in || silent.count(id)) continue;
      secagg::Bytes msg = stage == SecureStage::share    ? c.share(in->payload)
                          : stage == SecureStage::masked ? c.mask(in->payload, inputs[id])
                                                         : c.unmask(in->payload);
      take(round.offer(id, stage, msg, 0.0));
    }
  }
  std::vector<std::uint64_t> sum_of(const std::vector<std::int64_t>& ids) {
    std::vector<std::uint64_t> s(kLength, 0);
    for (auto id : ids)
      for (std::int64_t i = 0; i < kLength; ++i) s[i] = (s[i] + inputs[id][i]) & kMask;
    return s;
  }
};

}  // namespace

TEST(SecureRound, AnHonestCohortSumsEveryInputAndAnswersEachStageWhenTheLastMessageCame) {
  Cohort c(5);
  c.advertise_all();
  EXPECT_TRUE(c.answers.empty()) << "advertisements wait until the cohort is known";
  c.take(c.round.expect(c.ids(), /*now=*/0.0));
  EXPECT_EQ(c.round.participants(), 5);
  c.send(SecureStage::share);
  c.send(SecureStage::masked);
  c.send(SecureStage::unmask);
  ASSERT_TRUE(c.round.finished());
  ASSERT_TRUE(c.round.result()) << c.round.failure();
  EXPECT_EQ(c.round.result()->sum, c.sum_of(c.ids()));
  EXPECT_EQ(c.round.result()->included.size(), 5u);
  EXPECT_TRUE(c.refusals.empty());
}

TEST(SecureRound, AParticipantThatVanishesAfterSharingIsRecoveredWhenTheStageDeadlinePasses) {
  Cohort c(6);
  c.advertise_all();
  c.take(c.round.expect(c.ids(), 0.0));
  c.send(SecureStage::share);
  c.send(SecureStage::masked, /*silent=*/{102});
  EXPECT_EQ(c.answer(100, SecureStage::masked), nullptr) << "the stage waits for task 102";
  EXPECT_TRUE(c.round.tick(4.9).empty());
  c.take(c.round.tick(5.1));
  ASSERT_NE(c.answer(100, SecureStage::masked), nullptr);
  // The unmasking stage waits its own timeout from 5.1, not the masked stage's deadline.
  ASSERT_TRUE(c.round.deadline());
  EXPECT_DOUBLE_EQ(*c.round.deadline(), 10.1);
  EXPECT_TRUE(c.round.tick(5.2).empty());
  EXPECT_FALSE(c.round.finished());
  c.send(SecureStage::unmask);
  ASSERT_TRUE(c.round.result()) << c.round.failure();
  EXPECT_EQ(c.round.result()->sum, c.sum_of({100, 101, 103, 104, 105}));
  EXPECT_EQ(c.round.result()->recovered, std::vector<std::int64_t>{102});
}

TEST(SecureRound, AMalformedMaskedVectorDropsOnlyItsSenderNamingIt) {
  Cohort c(6);
  c.advertise_all();
  c.take(c.round.expect(c.ids(), 0.0));
  c.send(SecureStage::share);
  auto bad = c.clients.at(103).mask(c.answer(103, SecureStage::share)->payload, c.inputs[103]);
  bad.resize(bad.size() / 2);
  c.take(c.round.offer(103, SecureStage::masked, bad, 0.0));
  ASSERT_EQ(c.refusals.size(), 1u);
  EXPECT_NE(c.refusals[0].reason.find("task 103"), std::string::npos) << c.refusals[0].reason;
  c.send(SecureStage::masked, {103});
  c.send(SecureStage::unmask);
  ASSERT_TRUE(c.round.result()) << c.round.failure();
  EXPECT_EQ(c.round.result()->sum, c.sum_of({100, 101, 102, 104, 105}));
}

TEST(SecureRound, AReplayedMessageIsRefusedAndTheOriginalStillCounts) {
  Cohort c(4);
  c.advertise_all();
  c.take(c.round.expect(c.ids(), 0.0));
  auto shares = c.clients.at(100).share(c.answer(100, SecureStage::advertise)->payload);
  c.take(c.round.offer(100, SecureStage::share, shares, 0.0));
  c.take(c.round.offer(100, SecureStage::share, shares, 0.0));
  ASSERT_EQ(c.refusals.size(), 1u);
  EXPECT_NE(c.refusals[0].reason.find("replay"), std::string::npos) << c.refusals[0].reason;
  c.send(SecureStage::share, {100});
  c.send(SecureStage::masked);
  c.send(SecureStage::unmask);
  ASSERT_TRUE(c.round.result()) << c.round.failure();
  EXPECT_EQ(c.round.result()->sum, c.sum_of(c.ids()));
}

TEST(SecureRound, ATaskOutsideTheCohortIsRefusedNamingIt) {
  Cohort c(4);
  c.advertise_all();
  c.take(c.round.expect({100, 101, 102}, 0.0));  // 103 is not among the round's tasks
  ASSERT_EQ(c.refusals.size(), 1u);
  EXPECT_EQ(c.refusals[0].task_id, 103);
  EXPECT_NE(c.refusals[0].reason.find("task 103"), std::string::npos);
  c.take(c.round.offer(103, SecureStage::share, secagg::Bytes(64, 1), 0.0));
  EXPECT_EQ(c.refusals.size(), 2u) << "shares for a sum it did not join";
  c.send(SecureStage::share);
  c.send(SecureStage::masked);
  c.send(SecureStage::unmask);
  ASSERT_TRUE(c.round.result()) << c.round.failure();
  EXPECT_EQ(c.round.result()->sum, c.sum_of({100, 101, 102}));
}

TEST(SecureRound, FewerThanTwoAdvertisementsFailTheSumWithAReasonAtTheDeadline) {
  Cohort c(3);
  c.take(c.round.offer(100, SecureStage::advertise, c.clients.at(100).advertise(), 0.0));
  c.take(c.round.expect(c.ids(), 0.0));
  EXPECT_FALSE(c.round.finished());
  c.take(c.round.tick(6.0));
  ASSERT_TRUE(c.round.finished());
  EXPECT_FALSE(c.round.result());
  EXPECT_FALSE(c.round.failure().empty());
  EXPECT_EQ(c.round.absent(), (std::vector<std::int64_t>{101, 102}));
  ASSERT_EQ(c.refusals.size(), 1u) << "the one that advertised is told";
  EXPECT_EQ(c.refusals[0].task_id, 100);
}

TEST(SecureRound, CohortTagsDifferBetweenRoundsAndJobs) {
  EXPECT_NE(secure_cohort_tag(7, 1), secure_cohort_tag(7, 2));
  EXPECT_NE(secure_cohort_tag(7, 1), secure_cohort_tag(8, 1));
  EXPECT_EQ(secure_cohort_tag(7, 1), secure_cohort_tag(7, 1));
}
