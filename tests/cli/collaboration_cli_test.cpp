// The collaboration flags and `troupe replay` as a user runs them.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

using namespace troupe;

namespace {
test::CliResult run_troupe(const std::string& args) {
  return test::run_troupe_cli(args);
}
}  // namespace

TEST(CollaborationCli, BadCollaborationOptionsExitWithCode2AndNameTheOption) {
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {"--mode gossip", "--mode"},
           {"--staleness linear", "--staleness"},
           {"--buffer-size 0", "--buffer-size"},
           {"--async-alpha 1.5", "--async-alpha"},
           {"--clients-per-round 11", "--clients-per-round"},
           {"--dropout 1", "--dropout"},
           {"--attack nice --malicious 1", "--attack"},
           {"--trim-fraction 0.5", "--trim-fraction"},
           {"--partition shards", "--partition"}}) {
    const auto r = run_troupe("run " + args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_NE(r.output.find(option), std::string::npos) << args << ": " << r.output;
  }
  EXPECT_EQ(run_troupe("node --attack nice").code, 2);
  for (const std::string speed : {"-1", "nan", "inf"}) {
    const auto r = run_troupe("node --speed " + speed);
    EXPECT_EQ(r.code, 2) << speed << ": " << r.output;
    EXPECT_NE(r.output.find("--speed must be a finite number >= 0"), std::string::npos) << r.output;
  }
  EXPECT_EQ(run_troupe("replay").code, 2);
}

TEST(CollaborationCli, AnAsyncRunReplaysToTheSameModelAndACorruptLogIsRefused) {
  test::TempDir dir;
  const auto log = dir.file("events.jsonl");
  auto r = run_troupe(
      "run --mode buffered --buffer-size 2 --model mlp --nodes 3 --rounds 2 "
      "--train-limit 3000 --test-limit 500 --quiet --event-log " +
      log + " --out " + dir.file("r.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_troupe("replay --log " + log);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("identical"), std::string::npos) << r.output;
  // Cut the log in the middle of a line.
  const auto text = test::read_text(log);
  std::ofstream(dir.file("cut.jsonl")) << text.substr(0, text.size() * 2 / 3);
  r = run_troupe("replay --log " + dir.file("cut.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("event log"), std::string::npos) << r.output;
  r = run_troupe("replay --log " + dir.file("missing.jsonl"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("cannot read"), std::string::npos) << r.output;
}

// Drop-outs are not re-run in sync rounds, so the job loses shards: it ends
// "degraded" with exit 3 and names the rounds; --allow-partial-rounds makes
// it "ok" with the same degraded rounds listed.
TEST(CollaborationCli,
     AJobWhoseRoundsLostShardsEndsDegradedWithExit3UnlessPartialRoundsAreAllowed) {
  test::TempDir dir;
  const std::string job =
      "run --model mlp --nodes 3 --rounds 2 --train-limit 3000 --test-limit 500 --dropout 0.5 "
      "--quiet --out ";
  auto r = run_troupe(job + dir.file("degraded.json"));
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("job degraded: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lost work: round "), std::string::npos) << r.output;
  const auto degraded = nlohmann::json::parse(test::read_text(dir.file("degraded.json")));
  EXPECT_EQ(degraded["status"], "degraded");
  int lost = 0;
  for (const auto& round : degraded["rounds"]) {
    EXPECT_EQ(round["degraded"], !round["lost_shards"].empty());
    lost += static_cast<int>(round["lost_shards"].size());
  }
  EXPECT_GT(lost, 0);

  r = run_troupe(job + dir.file("allowed.json") + " --allow-partial-rounds");
  EXPECT_EQ(r.code, 0) << r.output;
  const auto allowed = nlohmann::json::parse(test::read_text(dir.file("allowed.json")));
  EXPECT_EQ(allowed["status"], "ok");
  int lost_allowed = 0;
  for (const auto& round : allowed["rounds"])
    lost_allowed += static_cast<int>(round["lost_shards"].size());
  EXPECT_EQ(lost_allowed, lost);
}

TEST(CollaborationCli, AVirtualClockRunSaysItsTimesAreVirtualAndReplaysFromItsLog) {
  test::TempDir dir;
  const auto log = dir.file("events.jsonl");
  auto r = run_troupe(
      "run --clock virtual --device-profile stragglers --mode buffered --buffer-size 2 "
      "--model mlp --nodes 4 --rounds 2 --train-limit 3000 --test-limit 500 --quiet "
      "--event-log " +
      log + " --out " + dir.file("r.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Clock: VIRTUAL (device profile stragglers, 1 of 4 nodes stragglers)"),
            std::string::npos)
      << r.output;
  const auto doc = nlohmann::json::parse(test::read_text(dir.file("r.json")));
  EXPECT_EQ(doc.at("clock").at("kind"), "virtual");
  EXPECT_EQ(doc.at("clock").at("devices").size(), 4u);
  // Its report re-runs on the virtual clock, to the same model.
  r = run_troupe("run --job " + dir.file("r.json") + " --quiet --out " + dir.file("again.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto again = nlohmann::json::parse(test::read_text(dir.file("again.json")));
  EXPECT_EQ(again.at("clock").at("device_profile"), "stragglers");
  EXPECT_EQ(again.at("final").at("model_fingerprint"), doc.at("final").at("model_fingerprint"));
  // FedBuff applied the updates in the order of their virtual arrival; the log repeats it.
  r = run_troupe("replay --log " + log);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("identical"), std::string::npos) << r.output;
  // Options it cannot take are usage errors that name them.
  for (const auto& [args, says] : std::vector<std::pair<std::string, std::string>>{
           {"--clock sundial", "--clock must be wall or virtual"},
           {"--device-profile stragglers", "--device-profile needs --clock virtual"},
           {"--clock virtual --device-profile " + dir.file("none.json"), "--device-profile"},
           {"--clock virtual --secure-aggregation", "--secure-aggregation"}}) {
    r = run_troupe("run --model mlp " + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(says), std::string::npos) << args << ": " << r.output;
  }
}
