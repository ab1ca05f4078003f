// Federated evaluation in the report: JSON both ways, the HTML tables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/html_report.hpp"
#include "report/report_json.hpp"
#include "report/report_reader.hpp"
#include "sample_run.hpp"

namespace troupe::runtime {
namespace {

NodeEvaluation evaluation(const std::string& node, int round, std::int64_t examples,
                          double accuracy, const std::string& error = "") {
  NodeEvaluation e;
  e.node = node;
  e.round = round;
  e.examples = examples;
  e.accuracy = accuracy;
  e.f1 = accuracy / 2;
  e.loss = 1.5;
  e.error = error;
  return e;
}

/// The sample run with a federated evaluation in each round; node-b fails in round 2.
RunReport federated_run() {
  auto run = test::sample_run();
  for (auto& rr : run.rounds) {
    auto& f = rr.federated;
    f.per_node = {evaluation("node-a", rr.round, 30, 0.5),
                  rr.round == 1 ? evaluation("node-b", 1, 70, 0.75)
                                : evaluation("node-b", rr.round, 0, 0.0, "out of memory")};
    f.nodes = rr.round == 1 ? 2 : 1;
    f.examples = rr.round == 1 ? 100 : 30;
    f.accuracy = rr.round == 1 ? 0.675 : 0.5;
  }
  return run;
}

TEST(FederatedReport, EachRoundCarriesItsFederatedMetricsAndNodeMetricsHoldEachNodesLatest) {
  const auto doc = nlohmann::json::parse(to_json(federated_run()));
  const auto& f = doc["rounds"][0]["federated"];
  EXPECT_EQ(f["examples"], 100);
  EXPECT_EQ(f["nodes"], 2);
  EXPECT_DOUBLE_EQ(f["accuracy"].get<double>(), 0.675);
  ASSERT_EQ(f["per_node"].size(), 2U);
  EXPECT_EQ(f["per_node"][1]["node"], "node-b");
  EXPECT_FALSE(f["per_node"][1].contains("error"));
  EXPECT_EQ(doc["rounds"][1]["federated"]["per_node"][1]["error"], "out of memory");
  // node-a's latest is round 2; node-b failed there, so its latest success (round 1) stands
  ASSERT_EQ(doc["node_metrics"].size(), 2U);
  EXPECT_EQ(doc["node_metrics"][0]["round"], 2);
  EXPECT_EQ(doc["node_metrics"][1]["round"], 1);
  EXPECT_EQ(doc["node_metrics"][1]["examples"], 70);
}

TEST(FederatedReport, ACentralOnlyRunHasNoFederatedKeysInItsRounds) {
  const auto doc = nlohmann::json::parse(to_json(test::sample_run()));
  EXPECT_FALSE(doc["rounds"][0].contains("federated"));
  EXPECT_TRUE(doc["node_metrics"].empty());
}

TEST(FederatedReport, TheReaderReadsTheFederatedRecordsBack) {
  const auto original = federated_run();
  const auto read = report_from_json(to_json(original));
  EXPECT_EQ(to_json(read), to_json(original));
  ASSERT_EQ(read.rounds[1].federated.per_node.size(), 2U);
  EXPECT_EQ(read.rounds[1].federated.per_node[1].error, "out of memory");
}

TEST(FederatedReport, TheHtmlPageShowsTheFederatedAndNodeMetricsTables) {
  const auto page = html_report({federated_run()}, {"sample"});
  EXPECT_NE(page.find("id=\"run0-federated-table\""), std::string::npos);
  EXPECT_NE(page.find("id=\"run0-node-metrics\""), std::string::npos);
  EXPECT_NE(page.find("<td>0.6750</td>"), std::string::npos);
  EXPECT_NE(page.find("node-b: out of memory"), std::string::npos);
  EXPECT_EQ(html_report({test::sample_run()}, {"sample"}).find("federated-table"),
            std::string::npos);
}

}  // namespace
}  // namespace troupe::runtime
