// Differential privacy as a user runs it: embedded MLP jobs with --dp central
// and --dp local, the privacy budget stopping a job, and bad combinations.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/run_troupe.hpp"
#include "runtime/core/privacy_plan.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {

/// A tiny job: 3 nodes, 3,000 training and 500 test examples.
const std::string kTiny = "run --model mlp --nodes 3 --train-limit 3000 --test-limit 500 --quiet ";

nlohmann::json run_ok(const test::TempDir& dir, const std::string& name, const std::string& args,
                      std::string* output = nullptr, int rounds = 3) {
  const auto out = dir.file(name + ".json");
  const auto r = test::run_troupe_cli(kTiny + "--rounds " + std::to_string(rounds) + " " + args +
                                      " --out " + out);
  EXPECT_EQ(r.code, 0) << args << ": " << r.output;
  if (output) *output = r.output;
  return nlohmann::json::parse(test::read_text(out));
}

void expect_epsilon_grows(const nlohmann::json& privacy, std::size_t rounds) {
  const auto eps = privacy.at("epsilon").get<std::vector<double>>();
  ASSERT_EQ(eps.size(), rounds);
  EXPECT_GT(eps.front(), 0.0);
  for (std::size_t k = 1; k < eps.size(); ++k) EXPECT_GE(eps[k], eps[k - 1]) << k;
  EXPECT_DOUBLE_EQ(privacy.at("final_epsilon").get<double>(), eps.back());
}

}  // namespace

TEST(PrivacyCli, CentralAndLocalDpChangeTheModelKeepItUsefulAndReportEpsilonPerRound) {
  test::TempDir dir;
  const auto plain = run_ok(dir, "plain", "");
  EXPECT_FALSE(plain.contains("privacy"));
  const auto plain_fp = plain.at("final").at("model_fingerprint").get<std::string>();
  for (const std::string mode : {"central", "local"}) {
    std::string output;
    const auto j = run_ok(
        dir, mode, "--dp " + mode + " --dp-noise-multiplier 0.001 --dp-clip-norm 5", &output);
    EXPECT_NE(j.at("final").at("model_fingerprint").get<std::string>(), plain_fp) << mode;
    EXPECT_GT(j.at("final").at("accuracy").get<double>(), 0.3) << mode;  // chance: 0.1
    const auto& p = j.at("privacy");
    EXPECT_EQ(p.at("mode"), mode);
    EXPECT_DOUBLE_EQ(p.at("noise_multiplier").get<double>(), 0.001);
    EXPECT_DOUBLE_EQ(p.at("clip_norm").get<double>(), 5.0);
    EXPECT_DOUBLE_EQ(p.at("delta").get<double>(), 1e-5);
    EXPECT_DOUBLE_EQ(p.at("sampling_rate").get<double>(), 1.0);
    EXPECT_FALSE(p.at("stopped_by_budget").get<bool>());
    expect_epsilon_grows(p, 3);
    EXPECT_NE(output.find("round 3: ε = "), std::string::npos) << output;
    EXPECT_NE(output.find("Privacy spent after 3 rounds: ε = "), std::string::npos) << output;
  }
  // By default the noise comes from a key no one knows: two runs with the same
  // seed differ. With --dp-reproducible-noise the seed gives the same noise.
  for (const std::string mode : {"central", "local"}) {
    const std::string dp = "--dp " + mode + " --dp-noise-multiplier 0.001 --dp-clip-norm 5";
    const auto secret = run_ok(dir, mode + "-again", dp);
    const auto first = run_ok(dir, mode + "-seeded", dp + " --dp-reproducible-noise");
    const auto again = run_ok(dir, mode + "-seeded-again", dp + " --dp-reproducible-noise");
    EXPECT_NE(secret.at("final").at("model_fingerprint"),
              run_ok(dir, mode, dp).at("final").at("model_fingerprint"))
        << mode;
    EXPECT_EQ(first.at("final").at("model_fingerprint"), again.at("final").at("model_fingerprint"))
        << mode;
  }
}

TEST(PrivacyCli, ATargetEpsilonStopsTheJobAfterTheLastRoundWithinItAndSaysSo) {
  // Given sigma 2 with every node in every round, the target lies between
  // epsilon after round 2 and after round 3 of a 5-round job.
  runtime::JobSpec job;
  job.nodes = 3;
  job.rounds = 5;
  job.privacy.mode = runtime::DpMode::central;
  job.privacy.noise_multiplier = 2.0;
  const auto plan = runtime::plan_privacy(job);
  const double target = (plan.epsilon_after(2) + plan.epsilon_after(3)) / 2;
  test::TempDir dir;
  std::string output;
  const auto j =
      run_ok(dir, "budget",
             "--dp central --dp-noise-multiplier 2 --dp-target-epsilon " + std::to_string(target),
             &output, /*rounds=*/5);
  EXPECT_EQ(j.at("status"), "ok");
  EXPECT_EQ(j.at("rounds").size(), 2u);
  EXPECT_EQ(j.at("config").at("rounds"), 5);
  const auto& p = j.at("privacy");
  EXPECT_TRUE(p.at("stopped_by_budget").get<bool>());
  expect_epsilon_grows(p, 2);
  EXPECT_LE(p.at("final_epsilon").get<double>(), target);
  EXPECT_NE(output.find("Privacy budget reached after round 2 (ε = "), std::string::npos) << output;
}

TEST(PrivacyCli, DistributedDpRunsUnderSecureAggregationAndIsAccountedLikeCentral) {
  test::TempDir dir;
  std::string output;
  const auto j = run_ok(dir, "distributed",
                        "--dp distributed --secure-aggregation --dp-noise-multiplier 0.001 "
                        "--dp-clip-norm 5",
                        &output);
  EXPECT_GT(j.at("final").at("accuracy").get<double>(), 0.3);
  const auto& p = j.at("privacy");
  EXPECT_EQ(p.at("mode"), "distributed");
  EXPECT_EQ(p.at("secure_aggregation"), true);
  EXPECT_DOUBLE_EQ(p.at("sampling_rate").get<double>(), 1.0);  // all 3 nodes every round
  expect_epsilon_grows(p, 3);
  for (const auto& round : j.at("rounds")) EXPECT_TRUE(round.contains("secure_aggregation"));
  EXPECT_NE(output.find("Secure aggregation"), std::string::npos) << output;
}

TEST(PrivacyCli, BufferedModeAccountsOneStepPerBuffer) {
  test::TempDir dir;
  const auto j = run_ok(dir, "buffered",
                        "--mode buffered --buffer-size 2 --dp central --dp-noise-multiplier 0.001 "
                        "--dp-clip-norm 5");
  const auto& p = j.at("privacy");
  EXPECT_NEAR(p.at("sampling_rate").get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(p.at("steps_per_round"), 2);
  expect_epsilon_grows(p, 3);
  EXPECT_GT(j.at("final").at("accuracy").get<double>(), 0.3);
}

TEST(PrivacyCli, AdaptiveClippingReportsTheClipNormOfEveryRound) {
  test::TempDir dir;
  const auto j = run_ok(dir, "adaptive",
                        "--dp central --dp-noise-multiplier 0.001 --dp-clip-norm 0.1 "
                        "--dp-adaptive-clip 0.5");
  const auto norms = j.at("privacy").at("clip_norms").get<std::vector<double>>();
  ASSERT_EQ(norms.size(), 3u);
  EXPECT_DOUBLE_EQ(norms.front(), 0.1);
  // Every update is longer than 0.1 at first, so the clip norm grows.
  EXPECT_GT(norms.back(), norms.front());
}

TEST(PrivacyCli, BadPrivacyOptionsExitWithCode2AndNameTheOption) {
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {"--dp secret", "--dp"},
           {"--dp central --dp-noise-multiplier 0", "--dp-noise-multiplier"},
           {"--dp local --dp-noise-multiplier -1", "--dp-noise-multiplier"},
           {"--dp central --dp-clip-norm 0", "--dp-clip-norm"},
           {"--dp central --dp-delta 1", "--dp-delta"},
           {"--dp central --dp-delta 0", "--dp-delta"},
           {"--dp central --dp-adaptive-clip 1", "--dp-adaptive-clip"},
           {"--dp local --dp-adaptive-clip 0.5", "--dp-adaptive-clip"},
           {"--dp central --dp-target-epsilon -1", "--dp-target-epsilon"},
           {"--dp central --dp-target-epsilon 0.001", "--dp-target-epsilon"},
           {"--dp central --mode async", "--mode"},
           {"--dp central --strategy median", "--strategy median"},
           {"--dp local --strategy krum", "--strategy krum"},
           {"--dp central --clip-norm 1", "--clip-norm"},
           {"--dp distributed", "--dp distributed needs --secure-aggregation"},
           {"--dp distributed --secure-aggregation --mode async", "--mode"},
           {"--dp-noise-multiplier 2", "--dp-noise-multiplier does not apply without --dp"},
           {"--dp none --dp-clip-norm 2", "--dp-clip-norm does not apply without --dp"}}) {
    const auto r = test::run_troupe_cli("run --model mlp " + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(option), std::string::npos) << args << ": " << r.output;
  }
  const auto r = test::run_troupe_cli("train --model mlp --dp central");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--dp"), std::string::npos) << r.output;
}
