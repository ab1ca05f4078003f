// The privacy record in the JSON report (both ways), the terminal text and the HTML page.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/html_report.hpp"
#include "report/privacy_text.hpp"
#include "report/report_json.hpp"
#include "report/report_reader.hpp"
#include "runtime/core/input_error.hpp"

using namespace troupe::runtime;

namespace {

RunReport private_report() {
  RunReport r;
  r.rounds.resize(3);
  for (int k = 0; k < 3; ++k) r.rounds[k].round = k + 1;
  auto& p = r.privacy;
  p.mode = DpMode::central;
  p.noise_multiplier = 1.1;
  p.clip_norm = 0.7;
  p.clip_norms = {0.5, 0.6, 0.7};
  p.delta = 1e-5;
  p.target_epsilon = 2.5;
  p.sampling_rate = 0.1;
  p.accountant = "RDP";
  p.epsilon = {0.5, 1.25, 2.25};
  p.stopped_by_budget = true;
  return r;
}

}  // namespace

TEST(PrivacyReport, ThePrivacyObjectRoundTripsThroughTheJsonReport) {
  const auto r = private_report();
  const auto text = to_json(r);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j.at("privacy").at("mode"), "central");
  EXPECT_DOUBLE_EQ(j.at("privacy").at("final_epsilon").get<double>(), 2.25);
  const auto back = report_from_json(text, "r.json").privacy;
  EXPECT_EQ(back.mode, DpMode::central);
  EXPECT_EQ(back.epsilon, r.privacy.epsilon);
  EXPECT_EQ(back.clip_norms, r.privacy.clip_norms);
  EXPECT_DOUBLE_EQ(back.noise_multiplier, 1.1);
  EXPECT_DOUBLE_EQ(back.target_epsilon, 2.5);
  EXPECT_DOUBLE_EQ(back.sampling_rate, 0.1);
  EXPECT_TRUE(back.stopped_by_budget);
  // A run without --dp has no privacy object.
  EXPECT_FALSE(nlohmann::json::parse(to_json(RunReport{})).contains("privacy"));
}

TEST(PrivacyReport, AMalformedPrivacyObjectIsRefusedNamingTheKey) {
  auto j = nlohmann::json::parse(to_json(private_report()));
  j["privacy"]["epsilon"] = "lots";
  try {
    report_from_json(j.dump(), "bad.json");
    FAIL() << "accepted a non-numeric epsilon";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("privacy.epsilon"), std::string::npos) << e.what();
  }
}

TEST(PrivacyReport, TheTerminalShowsEveryRoundsEpsilonAndTheBudgetLine) {
  const auto text = privacy_lines(private_report().privacy);
  EXPECT_NE(text.find("round 2: ε = 1.25 (δ = 1e-05), clip norm 0.6"), std::string::npos) << text;
  EXPECT_NE(text.find("Privacy budget reached after round 3 (ε = 2.25, δ = 1e-05, target 2.5)"),
            std::string::npos)
      << text;
  EXPECT_EQ(privacy_lines(PrivacyRecord{}), "");
}

TEST(PrivacyReport, TheHtmlReportChartsEpsilonPerRound) {
  const auto html = html_report({private_report()}, {"dp"});
  EXPECT_NE(html.find("Differential privacy"), std::string::npos);
  EXPECT_NE(html.find("run0-privacy-chart"), std::string::npos);
  EXPECT_NE(html.find("data-epsilon=\"2.25\""), std::string::npos);
  EXPECT_NE(html.find("data-clip-norm=\"0.6\""), std::string::npos);
  EXPECT_EQ(html_report({RunReport{}}, {"plain"}).find("Differential privacy"), std::string::npos);
}
