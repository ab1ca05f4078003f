// Reading JSON run reports back: round trip, tolerance to added and missing keys, clear errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/report_json.hpp"
#include "report/report_reader.hpp"
#include "runtime/core/input_error.hpp"
#include "sample_run.hpp"

namespace troupe::runtime {
namespace {

TEST(ReportReader, ReadsBackWhatToJsonWrote) {
  const RunReport original = test::sample_run();
  const RunReport read = report_from_json(to_json(original));
  EXPECT_EQ(to_json(read), to_json(original));
  ASSERT_EQ(read.tasks.size(), original.tasks.size());
  EXPECT_EQ(read.tasks[3].started_at, kNever);  // null stays "never"
  EXPECT_EQ(read.tasks[3].state, TaskState::failed);
  EXPECT_EQ(read.final_metrics.num_classes, 2);
  EXPECT_EQ(read.final_metrics.at(1, 0), 3);
}

TEST(ReportReader, ReadsBackTheJobIdAndACancelledStatus) {
  auto original = test::sample_run();
  original.job_id = "job-7";
  original.status = RunStatus::cancelled;
  const auto doc = nlohmann::json::parse(to_json(original));
  EXPECT_EQ(doc.at("job_id"), "job-7");
  EXPECT_EQ(doc.at("status"), "cancelled");
  const RunReport read = report_from_json(to_json(original));
  EXPECT_EQ(read.job_id, "job-7");
  EXPECT_EQ(read.status, RunStatus::cancelled);
}

TEST(ReportReader, ReadsBackTheJobsPreemptionCounts) {
  auto original = test::sample_run();
  original.job.preempted = 2;
  original.job.tasks_yielded = 3;
  original.job.placed_jointly = 8;
  original.job.placed_with_others = 2;
  const auto doc = nlohmann::json::parse(to_json(original));
  EXPECT_EQ(doc.at("job").at("tasks_yielded"), 3);
  EXPECT_EQ(doc.at("job").at("placed_jointly"), 8);
  const RunReport read = report_from_json(to_json(original));
  EXPECT_EQ(read.job.preempted, 2);
  EXPECT_EQ(read.job.tasks_yielded, 3);
  EXPECT_EQ(read.job.placed_jointly, 8);
  EXPECT_EQ(read.job.placed_with_others, 2);
}

TEST(ReportReader, ReadsBackTheModelsSha256ButNeverTheScriptsBytes) {
  auto original = test::sample_run();
  original.config.train.model_file = "/models/mlp28.pt";
  original.config.train.model_script = std::string(4096, 'x');
  original.config.train.model_sha256 = std::string(64, 'a');
  const auto text = to_json(original);
  EXPECT_EQ(text.find(std::string(100, 'x')), std::string::npos);
  const auto read = report_from_json(text);
  EXPECT_EQ(read.config.train.model_sha256, original.config.train.model_sha256);
  EXPECT_EQ(read.config.train.model_file, "/models/mlp28.pt");
  EXPECT_TRUE(read.config.train.model_script.empty());
}

TEST(ReportReader, IgnoresUnknownKeysAndDefaultsMissingOnes) {
  auto doc = nlohmann::json::parse(to_json(test::sample_run()));
  doc["mode"] = "async";
  doc["rounds"][0]["staleness"] = 3;
  doc["config"]["future_option"] = {1, 2};
  doc["final"].erase("confusion");
  doc.erase("efficiency");
  doc["tasks"][0].erase("samples");
  const RunReport read = report_from_json(doc.dump());
  EXPECT_EQ(read.rounds.size(), 2u);
  EXPECT_DOUBLE_EQ(read.rounds[1].accuracy, 0.8125);
  EXPECT_EQ(read.final_metrics.num_classes, 0);
  EXPECT_EQ(read.efficiency.makespan_s, 0.0);
  EXPECT_EQ(read.tasks[0].samples, 0);
}

TEST(ReportReader, MalformedInputIsAnInputErrorNamingTheKey) {
  const auto message = [](const std::string& text) {
    try {
      report_from_json(text, "run.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{\"rounds\": [").find("run.json:0: not valid JSON"), std::string::npos);
  EXPECT_NE(message("[1, 2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(message("{\"hello\": 1}").find("not a troupe run report"), std::string::npos);
  EXPECT_NE(message("{\"rounds\": 3}").find("'report.rounds': expected an array"),
            std::string::npos);
  EXPECT_NE(message("{\"rounds\": [{\"accuracy\": \"high\"}]}")
                .find("'rounds[0].accuracy': expected a number"),
            std::string::npos);
  EXPECT_NE(message("{\"tasks\": [{\"kind\": \"sleep\"}]}").find("unknown task kind 'sleep'"),
            std::string::npos);
  EXPECT_NE(message("{\"final\": {\"confusion\": [[1, 2], [3]]}}").find("final.confusion[1]"),
            std::string::npos);
}

TEST(ReportReader, ReadsBackTheProvenance) {
  auto original = test::sample_run();
  original.provenance = {
      "0.1.0", "2026-12-02T12:00:00Z", {"laptop", "sched-1"}, "troupe run --model mlp", "job.ini"};
  const auto read = report_from_json(to_json(original));
  EXPECT_EQ(read.provenance.troupe_version, "0.1.0");
  EXPECT_EQ(read.provenance.started_utc, "2026-12-02T12:00:00Z");
  EXPECT_EQ(read.provenance.hosts, (std::vector<std::string>{"laptop", "sched-1"}));
  EXPECT_EQ(read.provenance.command_line, "troupe run --model mlp");
  EXPECT_EQ(read.provenance.job_file, "job.ini");
  // A report without it (an older one) reads with an empty provenance.
  auto doc = nlohmann::json::parse(to_json(original));
  doc.erase("provenance");
  EXPECT_TRUE(report_from_json(doc.dump()).provenance.hosts.empty());
  doc["provenance"] = {{"hosts", {1, 2}}};
  EXPECT_THROW(report_from_json(doc.dump()), InputError);
}

TEST(ReportReader, AMissingFileIsAnInputError) {
  EXPECT_THROW(read_report_file("/nonexistent/run.json"), InputError);
}

}  // namespace
}  // namespace troupe::runtime
