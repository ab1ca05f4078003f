// The whole protocol end to end: the secure sum equals the plain sum exactly
// in the ring, with and without dropouts.
#include <gtest/gtest.h>

#include "runtime/secagg/cohort_runner.hpp"

namespace troupe::runtime::secagg {
namespace {

using testing::CohortPlan;
using testing::plain_sum;
using testing::run_cohort;

TEST(SecureSum, FiveParticipantsSumExactlyToThePlainSum) {
  CohortPlan plan;
  plan.participants = 5;
  plan.length = 1000;
  const auto run = run_cohort(plan);
  EXPECT_TRUE(run.refusals.empty());
  EXPECT_EQ(run.result.included, run.ids);
  EXPECT_TRUE(run.result.recovered.empty());
  EXPECT_EQ(run.result.sum, plain_sum(run, run.ids, plan.bits));
}

TEST(SecureSum, FortyParticipantsWithAThirdDroppingAfterSharingGiveTheSurvivorsSum) {
  CohortPlan plan;
  plan.participants = 40;
  plan.length = 300;
  for (ParticipantId id = 100; id < 113; ++id) plan.drop_before_masked.insert(id);
  const auto run = run_cohort(plan);
  EXPECT_TRUE(run.refusals.empty());
  EXPECT_EQ(run.result.recovered.size(), 13u);
  EXPECT_EQ(run.result.included.size(), 27u);
  EXPECT_EQ(run.result.sum, plain_sum(run, run.result.included, plan.bits));
}

}  // namespace
}  // namespace troupe::runtime::secagg
