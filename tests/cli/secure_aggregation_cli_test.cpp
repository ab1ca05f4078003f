// --secure-aggregation's option checks: every combination that needs
// individual updates in clear is a usage error (exit 2) naming the options.
#include <gtest/gtest.h>

#include "cli/run_troupe.hpp"

using namespace troupe;

TEST(SecureAggregationCli, CombinationsThatNeedIndividualUpdatesExitWithCode2AndNameTheOptions) {
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {"--mode async", "--mode async"},
           {"--mode buffered --event-log /tmp/troupe-never-written.jsonl", "--event-log"},
           {"--mode buffered --checkpoint-dir /tmp/troupe-never-written", "--checkpoint-dir"},
           {"--strategy median", "--strategy median"},
           {"--strategy trimmed-mean", "--strategy trimmed-mean"},
           {"--strategy krum", "--strategy krum"},
           {"--strategy weighted", "--strategy weighted"},
           {"--clip-norm 1", "--clip-norm"},
           {"--dp central", "--dp central"},
           {"--node-behaviour distill", "distill"},
           {"--nodes 1", "--nodes 2"}}) {
    const auto r = test::run_troupe_cli("run --model mlp --secure-aggregation " + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find("--secure-aggregation"), std::string::npos) << args << ": " << r.output;
    EXPECT_NE(r.output.find(option), std::string::npos) << args << ": " << r.output;
  }
}

TEST(SecureAggregationCli, BufferedModeIsAcceptedWithSecureAggregationAndTheJobEnds) {
  const auto r = test::run_troupe_cli(
      "run --model mlp --mode buffered --buffer-size 2 --nodes 4 --rounds 1 --train-limit 2000 "
      "--test-limit 500 --task-timeout 10 --secure-aggregation --quiet");
  EXPECT_EQ(r.code, 0) << r.output;
}
