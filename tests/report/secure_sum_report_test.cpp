// Secure aggregation in the report: the rounds' secure sums in the JSON (both
// ways), the terminal text and the HTML page, and nothing of it without it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/html_report.hpp"
#include "report/report_json.hpp"
#include "report/report_reader.hpp"
#include "report/secure_sum_text.hpp"

using namespace troupe::runtime;

namespace {

/// Two sync rounds: 10 of 12 in the first (2 recovered), 11 of 12 in the second.
RunReport secure_report() {
  RunReport r;
  r.config.privacy.secure_aggregation = true;
  r.rounds.resize(2);
  for (int k = 0; k < 2; ++k) {
    r.rounds[k].round = k + 1;
    r.rounds[k].secure.participants = 12;
    r.rounds[k].secure.sums = 1;
  }
  r.rounds[0].secure.included = 10;
  r.rounds[0].secure.recovered = 2;
  r.rounds[1].secure.included = 11;
  r.rounds[1].secure.excluded = 1;
  return r;
}

}  // namespace

TEST(SecureSumReport, EachRoundsSecureSumRoundTripsThroughTheJsonReport) {
  const auto text = to_json(secure_report());
  const auto j = nlohmann::json::parse(text);
  const auto& first = j.at("rounds").at(0).at("secure_aggregation");
  EXPECT_EQ(first.at("participants"), 12);
  EXPECT_EQ(first.at("included"), 10);
  EXPECT_EQ(first.at("dropouts_recovered"), 2);
  EXPECT_EQ(first.at("excluded"), 0);
  EXPECT_EQ(first.at("sums"), 1);
  const auto back = report_from_json(text, "r.json");
  ASSERT_EQ(back.rounds.size(), 2u);
  EXPECT_TRUE(back.config.privacy.secure_aggregation);
  EXPECT_EQ(back.rounds[0].secure.included, 10);
  EXPECT_EQ(back.rounds[0].secure.recovered, 2);
  EXPECT_EQ(back.rounds[1].secure.included, 11);
  EXPECT_EQ(back.rounds[1].secure.excluded, 1);
  EXPECT_EQ(back.rounds[1].secure.participants, 12);
  EXPECT_EQ(back.rounds[1].secure.sums, 1);
}

TEST(SecureSumReport, AReportWithoutSecureAggregationHasNoSecureKeys) {
  auto r = secure_report();
  r.config.privacy.secure_aggregation = false;
  r.privacy.mode = DpMode::central;
  const auto j = nlohmann::json::parse(to_json(r));
  EXPECT_FALSE(j.at("rounds").at(0).contains("secure_aggregation"));
  EXPECT_FALSE(j.at("privacy").contains("secure_aggregation"));
  EXPECT_EQ(secure_sum_lines(r), "");
  EXPECT_EQ(html_report({r}, {"plain"}).find("secure-sums"), std::string::npos);
}

TEST(SecureSumReport, ThePrivacyObjectSaysTheSumWasSecureAndTheMode) {
  auto r = secure_report();
  r.privacy.mode = DpMode::distributed;
  r.privacy.epsilon = {1.0, 1.5};
  const auto text = to_json(r);
  const auto j = nlohmann::json::parse(text);
  const auto& p = j.at("privacy");
  EXPECT_EQ(p.at("mode"), "distributed");
  EXPECT_EQ(p.at("secure_aggregation"), true);
  EXPECT_EQ(report_from_json(text, "r.json").privacy.mode, DpMode::distributed);
}

TEST(SecureSumReport, TheTerminalSaysHowManyUpdatesEachSumHeldAndRecovered) {
  const auto text = secure_sum_lines(secure_report());
  EXPECT_NE(text.find("round 1: secure sum: 10 of 12 (2 dropouts recovered, 0 excluded)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("round 2: secure sum: 11 of 12 (0 dropouts recovered, 1 excluded)"),
            std::string::npos)
      << text;
  SecureSumRecord buffered{100, 90, 1, 10, 3};
  EXPECT_EQ(secure_sum_text(buffered),
            "secure sums: 3, 90 of 100 (1 dropout recovered, 10 excluded)");
  EXPECT_EQ(secure_sum_text({12, 0, 0, 12, 0}),
            "no secure sum: 0 of 12 (0 dropouts recovered, 12 excluded)");
}

TEST(SecureSumReport, TheHtmlReportTablesEachRoundsSecureSum) {
  const auto html = html_report({secure_report()}, {"secure"});
  const auto table = html.find("id=\"run0-secure-sums\"");
  ASSERT_NE(table, std::string::npos);
  EXPECT_NE(html.find("<tr data-round=\"1\"><td>1</td><td>1</td><td>10</td><td>12</td><td>2</td>"
                      "<td>0</td></tr>",
                      table),
            std::string::npos)
      << html.substr(table, 800);
}
