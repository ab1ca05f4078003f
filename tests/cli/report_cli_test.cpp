// troupe run --report, troupe report and the progress output, run as a user would.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

namespace {

using troupe::test::read_text;
using troupe::test::run_troupe_cli;

std::string small_job() {
  return "--model mlp --nodes 2 --rounds 2 --train-limit 600 --test-limit 300 --threads 1 "
         "--data-dir " +
         troupe::test::fashion_mnist_dir();
}

TEST(ReportCli, RunWritesTheHtmlReportAndPrintsOnePlainProgressLinePerRound) {
  troupe::test::TempDir dir;
  const auto r = run_troupe_cli("run " + small_job() + " --report " + dir.file("html"));
  ASSERT_EQ(r.code, 0) << r.output;
  // Output is a pipe here, not a terminal: plain lines, no carriage returns.
  EXPECT_NE(r.output.find("round   1/2 \u00b7 2 nodes \u00b7 acc "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("round   2/2 \u00b7"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos);
  const auto page = read_text(dir.file("html/index.html"));
  EXPECT_NE(page.find("id=\"run0-final-accuracy\""), std::string::npos);
  EXPECT_NE(read_text(dir.file("html/report.json")).find("\"rounds\""), std::string::npos);
}

TEST(ReportCli, QuietRunPrintsNoProgress) {
  const auto r = run_troupe_cli("run --quiet " + small_job());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("ETA"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\u00b7"), std::string::npos) << r.output;
}

TEST(ReportCli, ReportOverlaysSavedRunsWithTheirLabels) {
  troupe::test::TempDir dir;
  ASSERT_EQ(run_troupe_cli("run --quiet " + small_job() + " --out " + dir.file("a.json")).code, 0);
  ASSERT_EQ(run_troupe_cli("train --quiet " + small_job() + " --out " + dir.file("b.json")).code,
            0);
  const auto r = run_troupe_cli("report --out " + dir.file("cmp") + " " + dir.file("a.json") + " " +
                                dir.file("b.json") + " --label federated");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto page = read_text(dir.file("cmp/index.html"));
  EXPECT_NE(page.find(">federated accuracy<"), std::string::npos);
  EXPECT_NE(page.find(">b accuracy<"), std::string::npos);  // default label: the file name
  EXPECT_NE(page.find("id=\"run1-summary\""), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.file("cmp/run-2.json")));
}

TEST(ReportCli, ReportUsageErrorsExitWith2AndBadFilesWith1) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("bad.json")) << "{\"rounds\": [";
  std::ofstream(dir.file("other.json")) << "{\"hello\": 1}";
  EXPECT_EQ(run_troupe_cli("report " + dir.file("bad.json")).code, 2);  // no --out
  EXPECT_EQ(run_troupe_cli("report --out " + dir.file("x")).code, 2);   // no runs
  EXPECT_EQ(run_troupe_cli("report --out " + dir.file("x") + " " + dir.file("bad.json") +
                           " --label a --label b")
                .code,
            2);
  auto r = run_troupe_cli("report --out " + dir.file("x") + " " + dir.file("bad.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("bad.json:0: not valid JSON"), std::string::npos) << r.output;
  r = run_troupe_cli("report --out " + dir.file("x") + " " + dir.file("other.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("not a troupe run report"), std::string::npos) << r.output;
  r = run_troupe_cli("report --out " + dir.file("x") + " " + dir.file("missing.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("cannot open"), std::string::npos) << r.output;
  EXPECT_EQ(run_troupe_cli("report --help").code, 0);
}

TEST(ReportCli, AReportDirectoryThatCannotBeCreatedFailsTheCommand) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("file")) << "x";
  const auto r = run_troupe_cli("run --quiet " + small_job() + " --report " + dir.file("file"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("report directory"), std::string::npos) << r.output;
}

}  // namespace
