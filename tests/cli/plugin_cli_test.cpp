// --plugin PATH on the subcommands: plugins load before the options are checked.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

using troupe::test::run_troupe_cli;

namespace {

const std::string kPlugin = TROUPE_TEST_PLUGIN_FIRST_FIT;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(PluginCli, APluginsPolicyIsAcceptedBySimulateAndAllocate) {
  auto r = run_troupe_cli(
      "simulate --synthetic 40x4 --seed 2 --quiet --policy test-first-fit "
      "--plugin " +
      kPlugin);
  EXPECT_EQ(r.code, 0) << r.output;
  troupe::test::TempDir dir;
  std::ofstream(dir.file("g.txt")) << "1\n2 3\n5 4 3\n1 2 3\n2 2 2\n1 1 1\n4 4\n";
  r = run_troupe_cli("allocate --gap " + dir.file("g.txt") + " --policy test-first-fit --plugin " +
                     kPlugin);
  EXPECT_EQ(r.code, 0) << r.output;
}

TEST(PluginCli, WithoutThePluginThePolicyIsUnknown) {
  const auto r = run_troupe_cli("simulate --synthetic 40x4 --policy test-first-fit");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.output, "unknown allocation policy 'test-first-fit'")) << r.output;
}

TEST(PluginCli, APluginGivenTwiceOrInTheConfigFileLoadsOnce) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("sim.ini")) << "plugin = " << kPlugin << "\npolicy = test-first-fit\n";
  const auto r = run_troupe_cli("simulate --synthetic 20x3 --quiet --config " +
                                dir.file("sim.ini") + " --plugin " + kPlugin);
  EXPECT_EQ(r.code, 0) << r.output;
}

TEST(PluginCli, AMissingPluginIsAUsageErrorOnEverySubcommandThatMakesPolicies) {
  for (const char* command :
       {"run", "scheduler", "aggregator", "node", "submit", "allocate", "simulate"}) {
    const auto r = run_troupe_cli(std::string(command) + " --plugin /nonexistent/libnope.so");
    EXPECT_EQ(r.code, 2) << command << ": " << r.output;
    EXPECT_TRUE(has(r.output, "--plugin: plugin '/nonexistent/libnope.so'")) << r.output;
  }
}

TEST(PluginCli, AnUnknownNodeBehaviourPolicyOrStrategyIsAUsageErrorOfRun) {
  auto r = run_troupe_cli("run --node-behaviour nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.output, "--node-behaviour: unknown 'nope' (known: libtorch")) << r.output;
  r = run_troupe_cli("run --policy test-first-fit");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.output, "--policy: unknown 'test-first-fit'")) << r.output;
  r = run_troupe_cli("run --strategy fedavg-decay");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.output, "--strategy: unknown 'fedavg-decay'")) << r.output;
  r = run_troupe_cli("node --node-behaviour nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.output, "--node-behaviour: unknown 'nope'")) << r.output;
}
