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

TEST(PrivacyOptions, DistributedDpIsRefusedWithoutSecureAggregation) {
  auto job = private_job(DpMode::distributed);
  const auto why = job.validate();
  EXPECT_NE(why.find("--dp distributed"), std::string::npos) << why;
  EXPECT_NE(why.find("--secure-aggregation"), std::string::npos) << why;
  job.privacy.secure_aggregation = true;
  EXPECT_EQ(job.validate(), "");
}

TEST(PrivacyPlan, DistributedDpIsAccountedLikeCentralWhenEverySumHoldsAllItsUpdates) {
  for (const Mode mode : {Mode::sync, Mode::buffered}) {
    auto central = private_job(DpMode::central);
    central.collab.mode = mode;
    central.async.buffer_size = 30;
    auto distributed = central;
    distributed.privacy.mode = DpMode::distributed;
    distributed.privacy.secure_aggregation = true;
    const auto c = plan_privacy(central);
    const auto d = plan_privacy(distributed);
    EXPECT_DOUBLE_EQ(d.sampling_rate, c.sampling_rate);
    EXPECT_DOUBLE_EQ(d.noise_multiplier, c.noise_multiplier);
    EXPECT_EQ(d.steps_per_round, c.steps_per_round);
    EXPECT_TRUE(d.noise_from_updates);
    EXPECT_FALSE(c.noise_from_updates);
    // Full sums: one of 10 a sync round; three buffers of 30 a buffered one.
    const SummedUpdates all = mode == Mode::sync ? SummedUpdates{10, 1} : SummedUpdates{90, 3};
    const auto full = privacy_record(distributed, 5, {}, std::vector<SummedUpdates>(5, all));
    const auto unknown = privacy_record(distributed, 5, {});
    ASSERT_EQ(full.epsilon.size(), 5u);
    for (int k = 1; k <= 5; ++k) {
      EXPECT_NEAR(full.epsilon[k - 1], c.epsilon_after(k), 1e-9) << k;
      EXPECT_NEAR(unknown.epsilon[k - 1], c.epsilon_after(k), 1e-9) << k;
    }
  }
}

TEST(PrivacyPlan, ASecureSumWithFewerUpdatesSpendsMoreAtTheSmallerMultiplier) {
  // Given 10 planned updates per round and a round whose sum included 6 of
  // them, that round's noise is sigma * sqrt(6 / 10) at the same sensitivity.
  auto job = private_job(DpMode::distributed);
  job.privacy.secure_aggregation = true;
  const auto plan = plan_privacy(job);
  std::vector<SummedUpdates> rounds(3, {10, 1});
  rounds[1] = {6, 1};
  EXPECT_NEAR(plan.step_noise_multiplier(rounds[1]), 1.1 * std::sqrt(0.6), 1e-12);
  const auto short_record = privacy_record(job, 3, {}, rounds);
  EXPECT_NEAR(short_record.epsilon[0], plan.epsilon_after(1), 1e-9);
  EXPECT_GT(short_record.epsilon[1], plan.epsilon_after(2));
  EXPECT_GT(short_record.epsilon[2], plan.epsilon_after(3));
  // The accountant called directly: two rounds at sigma, one at the smaller one.
  const auto& orders = rdp_orders();
  std::vector<double> rdp(orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i)
    rdp[i] = 2 * sampled_gaussian_rdp(0.1, 1.1, orders[i]) +
             sampled_gaussian_rdp(0.1, 1.1 * std::sqrt(0.6), orders[i]);
  EXPECT_NEAR(short_record.epsilon[2], rdp_to_epsilon(orders, rdp, 1e-5).epsilon, 1e-9);
  EXPECT_NEAR(plan.epsilon_after(rounds), short_record.epsilon[2], 1e-9);
}

TEST(PrivacyPlan, LocalDpUnderSecureAggregationIsAccountedOnTheSumAndItsIncludedUpdates) {
  auto job = private_job(DpMode::local);
  job.privacy.secure_aggregation = true;
  const auto plan = plan_privacy(job);
  EXPECT_DOUBLE_EQ(plan.sampling_rate, 0.1);
  EXPECT_NEAR(plan.noise_multiplier, 1.1 * std::sqrt(10.0), 1e-12);
  // 4 of 10 in the sum: the sum carries sigma * sqrt(4) of noise.
  EXPECT_NEAR(plan.step_noise_multiplier({4, 1}), 1.1 * 2.0, 1e-12);
  EXPECT_GT(plan.epsilon_after(std::vector<SummedUpdates>{{4, 1}}), plan.epsilon_after(1));
}

TEST(PrivacyPlan, BufferedRoundsAreAccountedAtTheirSumsMeanUpdates) {
  auto job = private_job(DpMode::distributed);
  job.privacy.secure_aggregation = true;
  job.collab.mode = Mode::buffered;
  job.async.buffer_size = 20;
  const auto plan = plan_privacy(job);
  EXPECT_DOUBLE_EQ(plan.step_noise_multiplier({100, 5}), 1.1);
  EXPECT_NEAR(plan.step_noise_multiplier({75, 5}), 1.1 * std::sqrt(15.0 / 20.0), 1e-12);
}
