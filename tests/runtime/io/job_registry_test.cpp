#include "runtime/io/job_registry.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/core/input_error.hpp"
#include "test_util.hpp"

using namespace troupe::runtime;
using troupe::test::TempDir;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

/// A registry under `dir` with one job finished and one still running.
void finished_and_running(const std::string& dir) {
  auto reg = JobRegistry::open(dir, 100.0);
  const auto a = reg.add("first", 3, 101.0);
  reg.started(a, 102.0);
  reg.progressed(a, 3, 0.8);
  reg.finished(a, JobState::succeeded, 110.0, "", {"{\"status\":\"ok\"}", "<html>a</html>"});
  const auto b = reg.add("second", 5, 111.0);
  reg.started(b, 112.0);
}

}  // namespace

TEST(JobRegistry, GivesEveryJobTheNextIdInOrder) {
  JobRegistry reg;
  EXPECT_EQ(reg.add("a", 1, 0.0), "job-1");
  EXPECT_EQ(reg.add("b", 1, 0.0), "job-2");
  ASSERT_EQ(reg.jobs().size(), 2u);
  EXPECT_EQ(reg.jobs()[0].name, "a");
  EXPECT_EQ(reg.jobs()[1].state, JobState::queued);
}

TEST(JobRegistry, FollowsAJobFromQueuedThroughRunningToItsEnd) {
  JobRegistry reg;
  const auto id = reg.add("a", 4, 10.0);
  reg.started(id, 12.0);
  EXPECT_EQ(reg.find(id)->state, JobState::running);
  EXPECT_FALSE(reg.reports(id)) << "a running job has no report yet";
  reg.progressed(id, 2, 0.75);
  reg.finished(id, JobState::cancelled, 20.0, "cancelled by request", {"{}", "<html/>"});
  const auto* r = reg.find(id);
  EXPECT_EQ(r->state, JobState::cancelled);
  EXPECT_EQ(r->rounds_done, 2);
  EXPECT_DOUBLE_EQ(r->accuracy, 0.75);
  EXPECT_DOUBLE_EQ(r->submitted, 10.0);
  EXPECT_DOUBLE_EQ(r->started, 12.0);
  EXPECT_DOUBLE_EQ(r->finished, 20.0);
  EXPECT_EQ(r->note, "cancelled by request");
  ASSERT_TRUE(reg.reports(id));
  EXPECT_EQ(reg.reports(id)->html, "<html/>");
}

TEST(JobRegistry, AFinishedJobCannotBeFinishedAgain) {
  JobRegistry reg;
  const auto id = reg.add("a", 1, 0.0);
  reg.finished(id, JobState::succeeded, 1.0, "", {"first", "first"});
  reg.finished(id, JobState::cancelled, 2.0, "late", {"second", "second"});
  EXPECT_EQ(reg.find(id)->state, JobState::succeeded);
  EXPECT_EQ(reg.reports(id)->json, "first");
}

TEST(JobRegistry, AnUnknownIdIsNotFound) {
  JobRegistry reg;
  reg.add("a", 1, 0.0);
  EXPECT_EQ(reg.find("job-7"), nullptr);
  EXPECT_FALSE(reg.reports("job-7"));
}

TEST(JobRegistry, KeepsFinishedReportsAsFilesInTheStateDirectory) {
  TempDir dir;
  finished_and_running(dir.path().string());
  const auto job = std::filesystem::path(dir.path().string()) / "jobs" / "job-1";
  EXPECT_EQ(troupe::test::read_text(job / "report.json"), "{\"status\":\"ok\"}");
  EXPECT_EQ(troupe::test::read_text(job / "report.html"), "<html>a</html>");
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir.path().string()) / "jobs.json"));
}

TEST(JobRegistry, AReopenedRegistryServesFinishedJobsAndFailsThoseThatWereRunning) {
  TempDir dir;
  finished_and_running(dir.path().string());
  auto reg = JobRegistry::open(dir.path().string(), 200.0);
  ASSERT_EQ(reg.jobs().size(), 2u);
  EXPECT_EQ(reg.find("job-1")->state, JobState::succeeded);
  EXPECT_EQ(reg.find("job-1")->rounds_done, 3);
  ASSERT_TRUE(reg.reports("job-1"));
  EXPECT_EQ(reg.reports("job-1")->html, "<html>a</html>");
  const auto* lost = reg.find("job-2");
  EXPECT_EQ(lost->state, JobState::failed);
  EXPECT_NE(lost->note.find("the scheduler restarted"), std::string::npos) << lost->note;
  EXPECT_DOUBLE_EQ(lost->finished, 200.0);
}

TEST(JobRegistry, KeepsAJobsPriorityAndDeadlineAndReadsOldIndexesWithDefaults) {
  JobRegistry reg;
  const auto id = reg.add("urgent", 3, 10.0, 4.0, 120.0);
  EXPECT_EQ(reg.find(id)->priority, 4.0);
  EXPECT_EQ(reg.find(id)->deadline_s, 120.0);
  EXPECT_EQ(reg.find(reg.add("plain", 1, 11.0))->priority, 1.0);
  // An index written before priorities: its jobs have the defaults.
  const auto old = index_from_json(R"({"format": 1, "next": 2, "jobs": [{"id": "job-1", "name": "a",
      "state": "succeeded", "submitted": 1, "started": 2, "finished": 3, "rounds": 1,
      "rounds_done": 1, "accuracy": 0.5, "note": ""}]})",
                                   "<old>");
  EXPECT_EQ(old.jobs.at(0).priority, 1.0);
  EXPECT_EQ(old.jobs.at(0).deadline_s, 0.0);
}

TEST(JobRegistry, NeverReusesAnIdAfterARestart) {
  TempDir dir;
  finished_and_running(dir.path().string());
  auto reg = JobRegistry::open(dir.path().string(), 200.0);
  EXPECT_EQ(reg.add("third", 1, 201.0), "job-3");
  auto again = JobRegistry::open(dir.path().string(), 300.0);
  EXPECT_EQ(again.add("fourth", 1, 301.0), "job-4");
}

TEST(JobRegistry, AMalformedIndexIsAnErrorNamingTheFile) {
  TempDir dir;
  const auto index = std::filesystem::path(dir.path().string()) / "jobs.json";
  write(index, "{\"format\": 1, \"next\": 2, \"jobs\": [{\"id\": \"job-1\"");
  try {
    JobRegistry::open(dir.path().string(), 0.0);
    FAIL() << "a truncated index was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("jobs.json"), std::string::npos) << e.what();
  }
}

TEST(JobRegistry, AnIndexEntryWhoseIdIsNotAJobIdIsRefused) {
  TempDir dir;
  write(std::filesystem::path(dir.path().string()) / "jobs.json",
        R"({"format": 1, "next": 2, "jobs": [{"id": "../etc", "name": "x", "state": "succeeded",
        "submitted": 0, "started": 0, "finished": 0, "rounds": 1, "rounds_done": 1,
        "accuracy": 0, "note": ""}]})");
  EXPECT_THROW(JobRegistry::open(dir.path().string(), 0.0), InputError);
}

TEST(JobRegistry, AnIndexEntryWithAnUnknownStateIsRefused) {
  TempDir dir;
  write(std::filesystem::path(dir.path().string()) / "jobs.json",
        R"({"format": 1, "next": 2, "jobs": [{"id": "job-1", "name": "x", "state": "paused",
        "submitted": 0, "started": 0, "finished": 0, "rounds": 1, "rounds_done": 1,
        "accuracy": 0, "note": ""}]})");
  EXPECT_THROW(JobRegistry::open(dir.path().string(), 0.0), InputError);
}

TEST(JobIndex, ReadsBackWhatItWrites) {
  JobIndex index;
  index.next = 4;
  JobRecord r;
  r.id = "job-3";
  r.name = "n";
  r.state = JobState::cancelled;
  r.rounds = 5;
  r.rounds_done = 2;
  r.accuracy = 0.5;
  r.note = "why";
  r.priority = 5.0;
  r.deadline_s = 90.0;
  index.jobs.push_back(r);
  const auto back = index_from_json(index_to_json(index), "<test>");
  EXPECT_EQ(back.jobs.at(0).priority, 5.0);
  EXPECT_EQ(back.jobs.at(0).deadline_s, 90.0);
  EXPECT_EQ(back.next, 4);
  ASSERT_EQ(back.jobs.size(), 1u);
  EXPECT_EQ(back.jobs[0].state, JobState::cancelled);
  EXPECT_EQ(back.jobs[0].note, "why");
  EXPECT_EQ(back.jobs[0].rounds_done, 2);
}

TEST(JobIndex, TellsJobIdsFromOtherWords) {
  EXPECT_EQ(job_serial("job-12"), 12);
  EXPECT_FALSE(job_serial("job-"));
  EXPECT_FALSE(job_serial("job-01"));
  EXPECT_FALSE(job_serial("job-1/x"));
  EXPECT_FALSE(job_serial("report.json"));
}

TEST(JobIndex, MapsReportStatusesToFinalStates) {
  EXPECT_EQ(final_state(RunStatus::ok), JobState::succeeded);
  EXPECT_EQ(final_state(RunStatus::degraded), JobState::succeeded);
  EXPECT_EQ(final_state(RunStatus::refused), JobState::failed);
  EXPECT_EQ(final_state(RunStatus::cancelled), JobState::cancelled);
}
