// A job's privacy plan and the validation of its --dp options.
#include "runtime/core/privacy_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/privacy/rdp_accountant.hpp"

using namespace troupe::runtime;

namespace {

JobSpec private_job(DpMode mode) {
  JobSpec job;
  job.nodes = 100;
  job.rounds = 20;
  job.sync.clients_per_round = 10;
  job.privacy.mode = mode;
  job.privacy.noise_multiplier = 1.1;
  return job;
}

}  // namespace

TEST(PrivacyPlan, CentralSyncSamplesClientsPerRoundOfTheNodesOnceARound) {
  const auto plan = plan_privacy(private_job(DpMode::central));
  EXPECT_DOUBLE_EQ(plan.sampling_rate, 0.1);
  EXPECT_EQ(plan.steps_per_round, 1);
  EXPECT_EQ(plan.updates_per_step, 10);
  EXPECT_DOUBLE_EQ(plan.epsilon_after(7), sampled_gaussian_epsilon(0.1, 1.1, 7, 1e-5).epsilon);
}

TEST(PrivacyPlan, BufferedCountsOneStepPerBufferAtBufferSizeOverNodes) {
  auto job = private_job(DpMode::central);
  job.collab.mode = Mode::buffered;
  job.async.buffer_size = 30;
  const auto plan = plan_privacy(job);
  EXPECT_DOUBLE_EQ(plan.sampling_rate, 0.3);
  EXPECT_EQ(plan.steps_per_round, 4);  // ceil(100 / 30)
  EXPECT_DOUBLE_EQ(plan.epsilon_after(2), sampled_gaussian_epsilon(0.3, 1.1, 8, 1e-5).epsilon);
}

TEST(PrivacyPlan, LocalNoiseIsAccountedPerNodeOrOnTheSumWhenOnlyTheSumIsSeen) {
  const auto job = private_job(DpMode::local);
  const auto seen = plan_privacy(job);
  EXPECT_DOUBLE_EQ(seen.sampling_rate, 1.0);
  EXPECT_DOUBLE_EQ(seen.noise_multiplier, 1.1);
  const auto summed = plan_privacy(job, /*sum_only=*/true);
  EXPECT_DOUBLE_EQ(summed.sampling_rate, 0.1);
  EXPECT_NEAR(summed.noise_multiplier, 1.1 * std::sqrt(10.0), 1e-12);
  EXPECT_LT(summed.epsilon_after(5), seen.epsilon_after(5));
}

TEST(PrivacyPlan, ATargetEpsilonKeepsTheLastRoundWithinIt) {
  auto job = private_job(DpMode::central);
  const auto plan = plan_privacy(job);
  job.privacy.target_epsilon = (plan.epsilon_after(6) + plan.epsilon_after(7)) / 2;
  EXPECT_EQ(rounds_within_budget(job), 6);
  const auto record = privacy_record(job, 6, {});
  EXPECT_TRUE(record.stopped_by_budget);
  ASSERT_EQ(record.epsilon.size(), 6u);
  for (std::size_t k = 1; k < record.epsilon.size(); ++k)
    EXPECT_GT(record.epsilon[k], record.epsilon[k - 1]);
  EXPECT_LE(record.final_epsilon(), job.privacy.target_epsilon);
  job.privacy.target_epsilon = 0;
  EXPECT_EQ(rounds_within_budget(job), 20);
  EXPECT_FALSE(privacy_record(job, 20, {}).stopped_by_budget);
}

TEST(PrivacyOptions, BadCombinationsAreRefusedNamingTheOptions) {
  auto expect_refused = [](const std::function<void(JobSpec&)>& change, const std::string& flag) {
    auto job = private_job(DpMode::central);
    change(job);
    const auto why = job.validate();
    EXPECT_NE(why.find(flag), std::string::npos) << flag << ": '" << why << "'";
  };
  expect_refused([](JobSpec& j) { j.privacy.noise_multiplier = 0; }, "--dp-noise-multiplier");
  expect_refused([](JobSpec& j) { j.privacy.clip_norm = -1; }, "--dp-clip-norm");
  expect_refused([](JobSpec& j) { j.privacy.delta = 1; }, "--dp-delta");
  expect_refused([](JobSpec& j) { j.privacy.delta = 0; }, "--dp-delta");
  expect_refused([](JobSpec& j) { j.privacy.adaptive_clip = 1; }, "--dp-adaptive-clip");
  expect_refused([](JobSpec& j) { j.privacy.adaptive_clip = -0.5; }, "--dp-adaptive-clip");
  expect_refused(
      [](JobSpec& j) {
        j.privacy.mode = DpMode::local;
        j.privacy.adaptive_clip = 0.5;
      },
      "--dp-adaptive-clip");
  expect_refused([](JobSpec& j) { j.privacy.target_epsilon = -1; }, "--dp-target-epsilon");
  expect_refused([](JobSpec& j) { j.privacy.target_epsilon = 1e-6; }, "--dp-target-epsilon");
  expect_refused([](JobSpec& j) { j.collab.mode = Mode::async; }, "--mode");
  expect_refused([](JobSpec& j) { j.collab.strategy = "median"; }, "--strategy median");
  expect_refused([](JobSpec& j) { j.collab.strategy = "krum"; }, "--strategy krum");
  expect_refused([](JobSpec& j) { j.collab.strategy_options.clip_norm = 2; }, "--clip-norm");
  EXPECT_EQ(private_job(DpMode::central).validate(), "");
  EXPECT_EQ(private_job(DpMode::local).validate(), "");
}
