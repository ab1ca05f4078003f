// The progress line: its text, ETA arithmetic and output bytes, with a fake clock.
#include <gtest/gtest.h>

#include "report/progress.hpp"

namespace troupe::runtime {
namespace {

RoundRecord round_record(int round, double accuracy, int updates = 10, int failed = 0) {
  RoundRecord r;
  r.round = round;
  r.accuracy = accuracy;
  r.f1 = accuracy - 0.01;
  r.updates = updates;
  r.failed = failed;
  return r;
}

TEST(FormatDuration, UsesSecondsThenMinutesThenHours) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(41.6), "42s");
  EXPECT_EQ(format_duration(72), "1m12s");
  EXPECT_EQ(format_duration(600), "10m00s");
  EXPECT_EQ(format_duration(3600 + 5 * 60 + 20), "1h05m");
  EXPECT_EQ(format_duration(-1), "-");
}

TEST(ProgressLine, ShowsRoundNodesAccuracyAndEtaFromTheMeanRoundTime) {
  // Given a job of 8 rounds started at t = 100 s
  ProgressLine line(8, 100.0);
  // When round 3 ends at t = 145 s (15 s per round so far)
  line.update(round_record(1, 0.70), 115.0);
  line.update(round_record(2, 0.80), 130.0);
  const auto text = line.update(round_record(3, 0.8412), 145.0);
  // Then 5 rounds are left at 15 s each
  EXPECT_EQ(text,
            "round   3/8 \u00b7 10 nodes \u00b7 acc 0.8412 \u00b7 f1 0.8312 \u00b7 ETA 1m15s");
  EXPECT_EQ(line.rounds_reported(), 3);
}

TEST(ProgressLine, ARoundWithSecureSumsSaysHowManyUpdatesTheyHeldAndRecovered) {
  ProgressLine line(8, 0.0);
  auto r = round_record(1, 0.5);
  r.secure.participants = 12;
  r.secure.included = 10;
  r.secure.recovered = 2;
  r.secure.sums = 1;
  EXPECT_NE(
      line.update(r, 1.0).find(" \u00b7 10 nodes \u00b7 secure 10/12 (2 recovered) \u00b7 acc"),
      std::string::npos);
  r.secure.recovered = 0;
  const auto none_recovered = line.update(r, 2.0);
  EXPECT_NE(none_recovered.find("secure 10/12 \u00b7 acc"), std::string::npos) << none_recovered;
  EXPECT_EQ(line.update(round_record(3, 0.5), 3.0).find("secure"), std::string::npos);
}

TEST(ProgressLine, LastRoundSaysHowLongTheJobTook) {
  ProgressLine line(2, 0.0);
  line.update(round_record(1, 0.5), 30.0);
  const auto text = line.update(round_record(2, 0.6), 61.0);
  EXPECT_NE(text.find("done in 1m01s"), std::string::npos) << text;
  EXPECT_EQ(text.find("ETA"), std::string::npos) << text;
}

TEST(ProgressLine, PadsTheRoundToTheTotalsWidthSoRedrawnLinesDoNotJitter) {
  ProgressLine line(1000, 0.0);
  const auto first = line.update(round_record(1, 0.5), 1.0);
  const auto later = line.update(round_record(250, 0.5), 2.0);
  EXPECT_EQ(first.rfind("round    1/1000", 0), 0u) << first;
  EXPECT_EQ(later.rfind("round  250/1000", 0), 0u) << later;
  EXPECT_EQ(first.find(" \u00b7 "), later.find(" \u00b7 "));
}

TEST(ProgressLine, CountsFailedNodesAndSingularNode) {
  ProgressLine line(4, 0.0);
  EXPECT_NE(line.update(round_record(1, 0.5, 1, 0), 1.0).find(" 1 node "), std::string::npos);
  EXPECT_NE(line.update(round_record(2, 0.5, 9, 1), 2.0).find("9 nodes (1 failed)"),
            std::string::npos);
}

TEST(ProgressLine, EtaScalesWithTheRoundsLeft) {
  // 1 round in 10 s, 99 left: 990 s = 16m30s.
  ProgressLine line(100, 0.0);
  EXPECT_NE(line.update(round_record(1, 0.5), 10.0).find("ETA 16m30s"), std::string::npos);
}

TEST(ProgressOutput, RedrawsOnATerminalPrintsLinesOtherwiseAndNothingWhenQuiet) {
  EXPECT_EQ(progress_mode(false, true), ProgressMode::redraw);
  EXPECT_EQ(progress_mode(false, false), ProgressMode::lines);
  EXPECT_EQ(progress_mode(true, true), ProgressMode::quiet);
  EXPECT_EQ(progress_mode(true, false), ProgressMode::quiet);
  EXPECT_EQ(progress_output(ProgressMode::redraw, "x"), "\rx\x1b[K");
  EXPECT_EQ(progress_output(ProgressMode::lines, "x"), "x\n");
  EXPECT_EQ(progress_output(ProgressMode::quiet, "x"), "");
  EXPECT_EQ(progress_end(ProgressMode::redraw, true), "\n");
  EXPECT_EQ(progress_end(ProgressMode::redraw, false), "");
  EXPECT_EQ(progress_end(ProgressMode::lines, true), "");
}

}  // namespace
}  // namespace troupe::runtime
