// The whole protocol end to end: the secure sum equals the plain sum exactly
// in the ring, with and without dropouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "runtime/secagg/cohort_runner.hpp"

namespace troupe::runtime::secagg {
namespace {

using testing::CohortPlan;
using testing::plain_sum;
using testing::run_cohort;

std::vector<ParticipantId> without(const std::vector<ParticipantId>& ids,
                                   const std::set<ParticipantId>& gone) {
  std::vector<ParticipantId> out;
  for (auto id : ids)
    if (gone.count(id) == 0) out.push_back(id);
  return out;
}

TEST(SecureSum, FiveParticipantsSumExactlyToThePlainSum) {
  CohortPlan plan;
  plan.participants = 5;
  plan.length = 1000;
  const auto run = run_cohort(plan);
  EXPECT_TRUE(run.refusals.empty());
  EXPECT_EQ(run.result.included, run.ids);
  EXPECT_TRUE(run.result.recovered.empty());
  EXPECT_TRUE(run.result.excluded.empty());
  EXPECT_EQ(run.result.sum, plain_sum(run, run.ids, plan.bits));
}

TEST(SecureSum, TwoParticipantsAreEnough) {
  CohortPlan plan;
  plan.participants = 2;
  const auto run = run_cohort(plan);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.ids, plan.bits));
}

TEST(SecureSum, FortyParticipantsInAFullRingOf64BitsSumExactly) {
  CohortPlan plan;
  plan.participants = 40;
  plan.length = 500;
  plan.bits = 64;
  const auto run = run_cohort(plan);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.ids, plan.bits));
}

TEST(SecureSum, AHundredParticipantsOverATenthOfTheMlpSumExactly) {
  CohortPlan plan;
  plan.participants = 100;
  plan.length = 10177;  // the full 101,770 runs in bench/secagg_bench
  const auto run = run_cohort(plan);
  EXPECT_EQ(run.result.included.size(), 100u);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.ids, plan.bits));
}

TEST(SecureSum, FortyParticipantsWithAThirdDroppingAfterSharingGiveTheSurvivorsSum) {
  CohortPlan plan;
  plan.participants = 40;
  plan.length = 300;
  for (ParticipantId id = 100; id < 113; ++id) plan.drop_before_masked.insert(id);
  const auto run = run_cohort(plan);
  EXPECT_TRUE(run.refusals.empty());
  EXPECT_EQ(run.result.recovered, std::vector<ParticipantId>(plan.drop_before_masked.begin(),
                                                             plan.drop_before_masked.end()));
  EXPECT_EQ(run.result.included.size(), 27u);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, plan.bits));
}

TEST(SecureSum, AHundredParticipantsWithThirtyRandomDropoutsRecoverOverManySeeds) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    CohortPlan plan;
    plan.participants = 100;
    plan.length = 64;
    plan.seed = seed;
    plan.cohort = seed;
    std::vector<ParticipantId> ids;
    for (int i = 0; i < 100; ++i) ids.push_back(100 + i);
    std::mt19937_64 gen(seed);
    std::shuffle(ids.begin(), ids.end(), gen);
    plan.drop_before_masked.insert(ids.begin(), ids.begin() + 30);
    const auto run = run_cohort(plan);
    ASSERT_EQ(run.result.recovered.size(), 30u) << "seed " << seed;
    EXPECT_EQ(run.result.included, without(run.ids, plan.drop_before_masked)) << seed;
    EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, plan.bits)) << "seed " << seed;
  }
}

TEST(SecureSum, SmallCohortsRecoverAThirdDroppingOverManySeeds) {
  for (int n : {3, 5, 9, 16, 31}) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      CohortPlan plan;
      plan.participants = n;
      plan.length = 33;
      plan.seed = seed;
      std::vector<ParticipantId> ids;
      for (int i = 0; i < n; ++i) ids.push_back(100 + i);
      std::mt19937_64 gen(seed * 31 + n);
      std::shuffle(ids.begin(), ids.end(), gen);
      plan.drop_before_masked.insert(ids.begin(), ids.begin() + n / 3);
      const auto run = run_cohort(plan);
      EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, plan.bits))
          << n << " participants, seed " << seed;
      EXPECT_EQ(run.result.recovered.size(), static_cast<std::size_t>(n / 3));
    }
  }
}

TEST(SecureSum, ThoseGoneBeforeSharingAreSimplyLeftOut) {
  CohortPlan plan;
  plan.participants = 12;
  plan.never_advertise = {101};
  plan.drop_before_shares = {104, 105};
  const auto run = run_cohort(plan);
  EXPECT_TRUE(run.result.recovered.empty());
  const std::set<ParticipantId> gone = {101, 104, 105};
  EXPECT_EQ(run.result.included, without(run.ids, gone));
  EXPECT_EQ(run.result.excluded.size(), 3u);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, plan.bits));
}

TEST(SecureSum, SurvivorsWhoVanishBeforeUnmaskingStayInTheSum) {
  CohortPlan plan;
  plan.participants = 30;
  plan.drop_before_masked = {100, 101, 102, 103, 104};
  plan.drop_before_unmask = {110, 111, 112};
  const auto run = run_cohort(plan);
  EXPECT_EQ(run.result.recovered.size(), 5u);
  EXPECT_EQ(run.result.included.size(), 25u);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, plan.bits));
}

TEST(SecureSum, TheServerRefusesToUnmaskWhenTooFewSurvivedToRebuildAnySecret) {
  CohortPlan plan;
  plan.participants = 10;  // degree 6, threshold 4
  for (ParticipantId id = 100; id < 107; ++id) plan.drop_before_masked.insert(id);
  EXPECT_THROW(
      {
        try {
          run_cohort(plan);
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("only 3 participants sent masked inputs"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      std::runtime_error);
}

TEST(SecureSum, FinishNamesTheSecretThatTooFewSharesCouldRebuild) {
  CohortPlan plan;
  plan.participants = 10;  // threshold 4: with one unmasking, nothing can be rebuilt
  for (ParticipantId id = 101; id < 110; ++id) plan.drop_before_unmask.insert(id);
  try {
    run_cohort(plan);
    FAIL() << "finish() must throw";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot reconstruct the self-mask seed of participant"), std::string::npos)
        << what;
    EXPECT_NE(what.find("consistent ones needed"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace troupe::runtime::secagg
