// The command line as one consistent interface, run as a user would: options
// from the environment, options that do not apply, --help in sections,
// `troupe help CMD`, `--out -`, provenance and `run --job`.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

namespace {

using nlohmann::json;
using troupe::test::run_troupe_cli;

std::string tiny_job() {
  return "--model mlp --nodes 2 --train-limit 600 --test-limit 300 --threads 1 "
         "--quiet --data-dir " +
         troupe::test::fashion_mnist_dir();
}

/// Runs troupe with stdout and stderr apart (stderr into a file of `dir`).
struct Split {
  int code = -1;
  std::string out, err;
};
Split run_split(const std::string& args, const troupe::test::TempDir& dir,
                const std::string& env = "") {
  const auto err_file = dir.file("stderr.txt");
  const std::string cmd = (env.empty() ? "" : "env " + env + " ") + "timeout 120 " + TROUPE_BINARY +
                          " " + args + " 2>" + err_file;
  Split r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) r.out += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = troupe::test::read_text(err_file);
  return r;
}

json parse_or_fail(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "):\n" << text;
    return json::object();
  }
}

}  // namespace

TEST(Consistency, AnEnvironmentVariableSetsAnOptionAndTheCommandLineWins) {
  troupe::test::TempDir dir;
  // Scripts' own TROUPE_* variables name no option and change nothing.
  const std::string env = "TROUPE_ROUNDS=2 TROUPE_BIN=/nowhere TROUPE_PORT=70x";
  auto r = run_split("run " + tiny_job() + " --out -", dir, env);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse_or_fail(r.out)["rounds"].size(), 2u);
  r = run_split("run " + tiny_job() + " --rounds 1 --out -", dir, env);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse_or_fail(r.out)["rounds"].size(), 1u);
}

TEST(Consistency, TheEnvironmentWinsOverTheConfigFile) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("job.ini")) << "mode = async\n";
  // Which mode won shows in the refusal of --buffer-size, FedBuff's option.
  const std::string args = "run --buffer-size 2 --config " + dir.file("job.ini");
  auto r = run_troupe_cli(args);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("does not apply in --mode async"), std::string::npos) << r.output;
  r = run_troupe_cli(args, "TROUPE_MODE=sync");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("does not apply in --mode sync"), std::string::npos) << r.output;
}

TEST(Consistency, AMalformedEnvironmentValueIsAUsageErrorNamingTheVariable) {
  auto r = run_troupe_cli("run " + tiny_job(), "TROUPE_LR=banana");  // refused before running
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("TROUPE_LR"), std::string::npos) << r.output;
  r = run_troupe_cli("run --nodes 2", "TROUPE_QUIET=maybe");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("TROUPE_QUIET"), std::string::npos) << r.output;
}

TEST(Consistency, EveryInapplicableOptionExitsWith2AndSaysWhy) {
  const std::string submit = "submit --scheduler 127.0.0.1:1 ";
  const std::pair<std::string, std::string> cases[] = {
      {submit + "--slow-nodes 1", "troupe node --slow-factor"},
      {submit + "--slow-factor 3", "troupe node --slow-factor"},
      {submit + "--malicious 1", "troupe node --attack"},
      {submit + "--attack-scale 3", "troupe node --attack"},
      {"run --min-nodes 2", "starts its --nodes nodes itself"},
      {"run --join-timeout 5", "starts its --nodes nodes itself"},
      {"run --priority 3", "order the jobs of a scheduler"},
      {"run --preempt", "order the jobs of a scheduler"},
      {"run --mode async --strategy fedavg", "no aggregation strategy runs"},
      {"run --mode buffered --clip-norm 1", "no aggregation strategy runs"},
      {"run --mode async --policy pack", "no allocation policy"},
      {submit + "--mode buffered --policy pack", "no allocation policy"},
      {"run --mode async --clients-per-round 2", "no rounds to close"},
      {"run --mode buffered --backup-after 1.5", "no rounds to close"},
      {"run --mode async --task-deadline 5", "no rounds to close"},
      {"run --mode async --buffer-size 2", "FedBuff's"},
      {"run --mode buffered --async-alpha 0.5", "FedAsync's"},
      {"run --event-log x.jsonl", "asynchronous modes"},
      {"run --staleness hinge", "asynchronous modes"},
      {"run --slow-factor 3", "without --slow-nodes"},
      {"run --attack-scale 3", "without --malicious"},
      {"run --over-selection 0.5", "without --clients-per-round"},
      {"run --min-updates 2", "without --round-deadline"},
      {"run --checkpoint-every 2", "without --checkpoint-dir or --resume"},
      {"run --local-test-fraction 0.3", "with --eval central"},
      {"run --dp-noise-multiplier 2", "without --dp central, local or distributed"},
      {"run --alpha 0.3", "concentration of --partition dirichlet"},
      {"run --partition dirichlet --labels-per-node 2", "each shard of --partition labels"},
      {"run --partition labels --examples-per-node 32", "draws each node's sample uniformly"},
      {"run --mode buffered --staleness constant --staleness-a 1", "polynomial exponent"},
      {"run --mode async --staleness-b 2", "--staleness hinge tolerates"},
      {"run --strategy fedavg --server-momentum 0.9", "read by fedavgm only"},
      {"run --strategy krum --trim-fraction 0.1", "read by trimmed-mean only"},
      {"run --distill-weight 0.5", "without --node-behaviour distill"},
      {"train --mode async", "does not apply to troupe train"},
      {"train --strategy krum", "an option of the federation"}};
  for (const auto& [args, why] : cases) {
    const auto r = run_troupe_cli(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("does not apply"), std::string::npos) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(why), std::string::npos) << args << "\n" << r.output;
  }
  // Given in the environment counts as given.
  const auto r = run_troupe_cli("run --mode async", "TROUPE_STRATEGY=fedavg");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--strategy does not apply"), std::string::npos) << r.output;
}

TEST(Consistency, HelpIsInSectionsListsValidNamesAndReadableDefaults) {
  const auto r = run_troupe_cli("run --help");
  ASSERT_EQ(r.code, 0);
  for (const char* heading : {"\njob:\n", "\ndata:\n", "\ncollaboration:\n", "\nrobustness:\n",
                              "\nprivacy:\n", "\noutputs:\n", "\ncluster:\n"})
    EXPECT_NE(r.output.find(heading), std::string::npos) << heading << r.output;
  for (const char* name : {"fedavg", "krum", "best-fit", "buffered", "libtorch", "distill"})
    EXPECT_NE(r.output.find(name), std::string::npos) << name;
  EXPECT_NE(r.output.find("(=0.05)"), std::string::npos) << r.output;
  for (const char* cmd : {"run", "train", "submit", "scheduler", "aggregator", "node", "status",
                          "allocate", "simulate"}) {
    const auto help = run_troupe_cli(std::string(cmd) + " --help").output;
    EXPECT_EQ(help.find("0000000"), std::string::npos) << cmd << "\n" << help;
    EXPECT_EQ(help.find("9999999"), std::string::npos) << cmd << "\n" << help;
  }
  const auto daemon = run_troupe_cli("scheduler --help").output;
  for (const char* heading : {"\nconnection:\n", "\nsecurity:\n", "\nprocess:\n"})
    EXPECT_NE(daemon.find(heading), std::string::npos) << heading << daemon;
}

TEST(Consistency, HelpListsThePolicyAPluginRegisters) {
  const auto r =
      run_troupe_cli(std::string("run --plugin ") + TROUPE_TEST_PLUGIN_FIRST_FIT + " --help");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("first-fit"), std::string::npos) << r.output;
}

TEST(Consistency, HelpCommandIsTheCommandsHelp) {
  for (const char* cmd : {"run", "submit", "node", "allocate"}) {
    const auto a = run_troupe_cli(std::string("help ") + cmd);
    const auto b = run_troupe_cli(std::string(cmd) + " --help");
    EXPECT_EQ(a.code, 0);
    EXPECT_EQ(a.output, b.output) << cmd;
  }
  const auto usage = run_troupe_cli("help");
  EXPECT_EQ(usage.code, 0);
  for (const char* cmd : {"run", "train", "scheduler", "aggregator", "node", "submit", "status",
                          "allocate", "simulate", "replay", "report", "help"})
    EXPECT_NE(usage.output.find(std::string("\n  ") + cmd + " "), std::string::npos) << cmd;
}

TEST(Consistency, OutDashWritesOnlyTheJsonReportWithItsProvenanceToStdout) {
  troupe::test::TempDir dir;
  const auto r = run_split("run " + tiny_job() + " --rounds 1 --out -", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto report = parse_or_fail(r.out);
  ASSERT_TRUE(report.contains("provenance")) << r.out;
  const auto& p = report["provenance"];
  EXPECT_EQ(p["troupe_version"].get<std::string>().rfind("0.", 0), 0u) << p;
  EXPECT_EQ(p["started_utc"].get<std::string>().size(), 20u) << p;  // 2026-12-02T12:00:00Z
  EXPECT_EQ(p["started_utc"].get<std::string>().back(), 'Z') << p;
  ASSERT_FALSE(p["hosts"].empty()) << p;
  EXPECT_NE(p["command_line"].get<std::string>().find(" run --model mlp"), std::string::npos) << p;
  // The tables went to stderr, with the provenance line.
  EXPECT_NE(r.err.find("Final model: accuracy"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Provenance: troupe 0."), std::string::npos) << r.err;
}

TEST(Consistency, SimulateOutDashWritesItsJsonToStdout) {
  troupe::test::TempDir dir;
  const auto r = run_split("simulate --synthetic 50x5 --seed 2 --out -", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(parse_or_fail(r.out).is_object());
  EXPECT_FALSE(r.err.empty());  // the tables
}

TEST(Consistency, RunJobReRunsAReportsJobToTheSameModel) {
  troupe::test::TempDir dir;
  auto r =
      run_troupe_cli("run " + tiny_job() + " --rounds 1 --lr 0.03 --out " + dir.file("a.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_troupe_cli("run --quiet --job " + dir.file("a.json") + " --out " + dir.file("b.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto a = parse_or_fail(troupe::test::read_text(dir.file("a.json")));
  const auto b = parse_or_fail(troupe::test::read_text(dir.file("b.json")));
  EXPECT_EQ(a["final"]["model_fingerprint"], b["final"]["model_fingerprint"]);
  EXPECT_EQ(b["config"]["lr"], 0.03);
  EXPECT_EQ(b["provenance"]["job_file"], dir.file("a.json"));
  // An option given on the command line overrides the file's.
  r = run_troupe_cli("run --quiet --job " + dir.file("a.json") + " --rounds 2 --out " +
                     dir.file("c.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto c = parse_or_fail(troupe::test::read_text(dir.file("c.json")));
  EXPECT_EQ(c["rounds"].size(), 2u);
  EXPECT_EQ(c["config"]["lr"], 0.03);
}

TEST(Consistency, RunJobRefusesAFileWithoutAConfig) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("x.json")) << "{\"rounds\": []}\n";
  auto r = run_troupe_cli("run --job " + dir.file("x.json"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("no \"config\" object"), std::string::npos) << r.output;
  r = run_troupe_cli("run --job " + dir.file("missing.json"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read"), std::string::npos) << r.output;
}

TEST(Consistency, RunPrintsNoneOfItsInProcessDaemonsInfoLines) {
  troupe::test::TempDir dir;
  const auto r = run_split("run " + tiny_job() + " --rounds 1 --out " + dir.file("r.json"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* line : {"troupe scheduler: node '", "troupe scheduler: job '", " info "}) {
    EXPECT_EQ(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    EXPECT_EQ(r.err.find(line), std::string::npos) << line << "\n" << r.err;
  }
}
