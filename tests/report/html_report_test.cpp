// The HTML report: figures in the markup match the run, text is escaped,
// nothing is fetched from outside, several runs overlay, files are written.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "report/html_report.hpp"
#include "report/line_chart_svg.hpp"
#include "report/markup.hpp"
#include "report/report_json.hpp"
#include "report/report_reader.hpp"
#include "report/utilisation_svg.hpp"
#include "sample_run.hpp"
#include "test_util.hpp"

namespace troupe::runtime {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(HtmlReport, EveryRoundPointCarriesTheExactMetricOfTheRun) {
  const auto run = test::sample_run();
  const auto page = html_report({run}, {"sample"});
  for (const auto& r : run.rounds) {
    const std::string round = "data-run=\"0\" data-x=\"" + std::to_string(r.round) + "\"";
    EXPECT_EQ(count(page, round + " data-accuracy=\"" + exact_number(r.accuracy) + "\""), 1u);
    EXPECT_EQ(count(page, round + " data-f1=\"" + exact_number(r.f1) + "\""), 1u);
  }
  EXPECT_EQ(count(page, "class=\"point\""), 4 * run.rounds.size());  // accuracy, F1, 2 losses
}

TEST(HtmlReport, SummaryCellsHaveIdsAndExactValues) {
  const auto page = html_report({test::sample_run()}, {"sample"});
  EXPECT_NE(page.find("id=\"run0-final-accuracy\" data-value=\"0.8125\">0.8125<"),
            std::string::npos);
  EXPECT_NE(page.find("id=\"run0-final-f1\" data-value=\"0.80078125\">0.8008<"), std::string::npos);
  EXPECT_NE(page.find("id=\"run0-task-count\" data-value=\"6\""), std::string::npos);
  EXPECT_NE(page.find("id=\"run0-tasks\" data-task-count=\"6\""), std::string::npos);
  EXPECT_EQ(count(page, "<tr class=\"task"), 6u);
  EXPECT_NE(page.find("id=\"run0-fingerprint\" class=\"text mono\">abc123<"), std::string::npos);
}

TEST(HtmlReport, AVirtualRunSaysItsTimesAreVirtualAndItsJsonKeepsTheClock) {
  auto run = test::sample_run();
  EXPECT_EQ(html_report({run}, {"wall"}).find("run0-clock"), std::string::npos);
  EXPECT_EQ(to_json(run).find("\"clock\""),
            std::string::npos);  // wall-clock reports stay as they were
  run.clock.kind = "virtual";
  run.clock.device_profile = "<stragglers>";
  run.clock.real_s = 2.5;
  run.clock.devices.push_back({"node-1", 250.0, 80.0, 20.0, true});
  const auto page = html_report({run}, {"virtual"});
  EXPECT_NE(page.find("id=\"run0-clock\">virtual clock"), std::string::npos);
  EXPECT_NE(page.find("device profile &lt;stragglers&gt;"), std::string::npos);
  const auto back = report_from_json(to_json(run), "r.json");
  EXPECT_TRUE(back.clock.is_virtual());
  EXPECT_EQ(back.clock.device_profile, "<stragglers>");
  EXPECT_EQ(back.clock.real_s, 2.5);
  ASSERT_EQ(back.clock.devices.size(), 1u);
  EXPECT_EQ(back.clock.devices[0].node, "node-1");
  EXPECT_EQ(back.clock.devices[0].examples_per_s, 250.0);
  EXPECT_TRUE(back.clock.devices[0].straggler);
}

TEST(HtmlReport, EscapesNodeNamesErrorsAndLabels) {
  const auto page = html_report({test::sample_run("<script>alert(1)</script>")}, {"a&b <i>"});
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("a&amp;b &lt;i&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_NE(page.find("node &lt;lost&gt;"), std::string::npos);
}

TEST(HtmlReport, FetchesNothingFromOutsideThePage) {
  const auto page = html_report({test::sample_run()}, {});
  for (const char* fetch : {"<script", "<link", "<img", "src=", "href=", "@import", "url("})
    EXPECT_EQ(page.find(fetch), std::string::npos) << fetch;
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
}

TEST(HtmlReport, OverlaysSeveralRunsInOneChartWithALegendEntryEach) {
  auto second = test::sample_run();
  second.rounds[1].accuracy = 0.5;
  second.strategy = "fedprox";
  const auto page = html_report({test::sample_run(), second}, {"first", "second"});
  const auto chart_start = page.find("id=\"chart-quality\"");
  const auto chart = page.substr(chart_start, page.find("</svg>", chart_start) - chart_start);
  EXPECT_EQ(count(chart, "class=\"series\""), 4u);  // accuracy and F1 of each run
  EXPECT_NE(chart.find("data-run=\"1\" data-x=\"2\" data-accuracy=\"0.5\""), std::string::npos);
  EXPECT_NE(chart.find(">first accuracy<"), std::string::npos);
  EXPECT_NE(chart.find(">second F1<"), std::string::npos);
  EXPECT_NE(page.find("id=\"run1-strategy\" class=\"text\">fedprox<"), std::string::npos);
  EXPECT_NE(page.find("id=\"run1-section\""), std::string::npos);
}

TEST(HtmlReport, DefaultLabelsNumberTheRuns) {
  const auto page = html_report({test::sample_run(), test::sample_run()}, {"only"});
  EXPECT_NE(page.find(">only accuracy<"), std::string::npos);
  EXPECT_NE(page.find(">run 2 accuracy<"), std::string::npos);
}

TEST(HtmlReport, AFailedRunWithoutRoundsStillRenders) {
  RunReport failed;
  failed.status = runtime::RunStatus::failed;
  failed.error = "no node joined within 60 s";
  const auto page = html_report({failed}, {"broken"});
  EXPECT_NE(page.find("status-failed"), std::string::npos);
  EXPECT_NE(page.find("no node joined within 60 s"), std::string::npos);
  EXPECT_NE(page.find(">no data<"), std::string::npos);
  EXPECT_NE(page.find("data-task-count=\"0\""), std::string::npos);
}

TEST(HtmlReport, ShowsConfigKeysAndTheModeWhenTheJsonHasThem) {
  const auto page = html_report({test::sample_run()}, {});
  EXPECT_NE(page.find("<th class=\"text\">local_epochs</th>"), std::string::npos);
  EXPECT_NE(page.find("id=\"run0-mode\" class=\"text\">sync<"), std::string::npos);  // the default
}

TEST(BusyOverTime, BinsTaskIntervalsPerNode) {
  // Given the sample: n1 runs [0,1], [2,2.5], [2.5,3.5], [3.5,4]; n2 runs [0,2]
  const auto busy = busy_over_time(test::sample_run("n2"), 4);
  EXPECT_DOUBLE_EQ(busy.t0, 0.0);
  EXPECT_DOUBLE_EQ(busy.t1, 4.0);
  ASSERT_EQ(busy.nodes, (std::vector<std::string>{"n1", "n2"}));
  const std::vector<double> n1{1.0, 0.0, 1.0, 1.0}, n2{1.0, 1.0, 0.0, 0.0};
  for (int b = 0; b < 4; ++b) {
    EXPECT_NEAR(busy.busy[0][b], n1[b], 1e-12) << "n1 bin " << b;
    EXPECT_NEAR(busy.busy[1][b], n2[b], 1e-12) << "n2 bin " << b;
  }
}

TEST(BusyOverTime, NoTimedTasksGiveIdleNodes) {
  RunReport r;
  NodeRecord idle;
  idle.id = "a";
  r.nodes = {idle};
  const auto busy = busy_over_time(r, 0);
  ASSERT_EQ(busy.busy.size(), 1u);
  EXPECT_EQ(busy.busy[0], std::vector<double>{0.0});
  EXPECT_NE(utilisation_svg(r, "u").find("data-node=\"a\" data-utilisation=\"0\""),
            std::string::npos);
}

TEST(NiceTicks, StepsAreOneTwoOrFiveTimesAPowerOfTenAndCoverTheRange) {
  const auto ticks = nice_ticks(0.61, 0.74);
  const std::vector<double> expected{0.6, 0.65, 0.7, 0.75};
  ASSERT_EQ(ticks.size(), expected.size());
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i], expected[i], 1e-12);
  const auto flat = nice_ticks(0.5, 0.5);
  EXPECT_LT(flat.front(), 0.5);
  EXPECT_GT(flat.back(), 0.5);
  const auto wide = nice_ticks(0, 1234);
  EXPECT_DOUBLE_EQ(wide.front(), 0.0);
  EXPECT_GE(wide.back(), 1234.0);
  EXPECT_LE(wide.size(), 8u);
}

TEST(WriteHtmlReport, WritesThePageAndTheJsonOfEachRun) {
  troupe::test::TempDir temp;
  const auto& dir = temp.path();
  const auto first = test::sample_run();
  auto second = test::sample_run();
  second.wall_s = 9.0;
  write_html_report((dir / "nested").string(), {first, second}, {"a", "b"});
  EXPECT_NE(troupe::test::read_text(dir / "nested" / "index.html").find("id=\"run1-summary\""),
            std::string::npos);
  EXPECT_EQ(troupe::test::read_text(dir / "nested" / "report.json"), to_json(first) + "\n");
  EXPECT_EQ(troupe::test::read_text(dir / "nested" / "run-1.json"), to_json(first) + "\n");
  EXPECT_EQ(troupe::test::read_text(dir / "nested" / "run-2.json"), to_json(second) + "\n");
}

TEST(WriteHtmlReport, ADirectoryThatIsAFileIsAClearError) {
  troupe::test::TempDir temp;
  const auto file = temp.path() / "not-a-dir";
  std::ofstream(file) << "x";
  try {
    write_html_report(file.string(), {test::sample_run()}, {});
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(write_html_report("/tmp/unused", {}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace troupe::runtime
