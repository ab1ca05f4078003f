// troupe allocate and troupe simulate, run as a user would.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/run_troupe.hpp"
#include "test_util.hpp"

using troupe::test::read_text;
using troupe::test::run_troupe_cli;

namespace {

/// The seed example as files: tasks.csv and nodes.json.
void write_seed_example(const troupe::test::TempDir& dir) {
  std::ofstream(dir.file("tasks.csv")) << "id,priority,cpu,work\n1,5,5,10\n2,3,7,20\n3,2,7,5\n"
                                          "4,4,2,8\n5,1,2,3\n";
  std::ofstream(dir.file("nodes.json"))
      << R"([{"id": "node-a", "cpu": 10}, {"id": "node-b", "cpu": 8}, {"id": "node-c", "cpu": 6}])";
}

}  // namespace

TEST(AllocateCli, SolvesTheSeedExampleAndWritesJsonAndGantt) {
  troupe::test::TempDir dir;
  write_seed_example(dir);
  const auto r = run_troupe_cli("allocate --tasks " + dir.file("tasks.csv") + " --nodes " +
                                dir.file("nodes.json") + " --policy exact --out " +
                                dir.file("a.json") + " --gantt " + dir.file("a.svg"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("objective 14.00"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("optimal"), std::string::npos);
  const auto json = read_text(dir.file("a.json"));
  EXPECT_NE(json.find("\"objective\": 14.0"), std::string::npos) << json;
  EXPECT_NE(read_text(dir.file("a.svg")).find("</svg>"), std::string::npos);
}

TEST(AllocateCli, SummarisesEveryProblemOfAGapFile) {
  troupe::test::TempDir dir;
  // Two problems, 2 agents x 2 jobs; minimum costs 2 and 5.
  std::ofstream(dir.file("g.txt")) << "2\n2 2\n1 9\n9 1\n1 1\n1 1\n1 1\n"
                                      "2 2\n2 9\n9 3\n1 1\n1 1\n1 1\n";
  const auto r = run_troupe_cli("allocate --gap " + dir.file("g.txt") + " --sense min");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("1       2x2       2 "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2       2x2       5 "), std::string::npos) << r.output;
}

TEST(AllocateCli, CompareRunsEveryPolicyWithTheBestBoundAndTheGapToThePublishedOptimum) {
  // gap1 problem 1 (max): published optimum 336, listed in optima.csv beside the file.
  const std::string gap1 = std::string(TROUPE_SOURCE_DIR) + "/tests/data/gap/gap1.txt";
  const auto r = run_troupe_cli("allocate --gap " + gap1 + " --problem 1 --compare --time-limit 5");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* policy : {"priority", "regret", "lagrangian", "exact"})
    EXPECT_NE(r.output.find(policy), std::string::npos) << policy << "\n" << r.output;
  // exact proves 336: bound 336, gap 0 to it and to the published optimum.
  EXPECT_NE(r.output.find("336          336    0.000    0.000"), std::string::npos) << r.output;
  EXPECT_EQ(run_troupe_cli("allocate --tasks t.csv --nodes n.csv --compare").code, 2);
}

TEST(AllocateCli, MalformedFilesNameFileLineAndReason) {
  troupe::test::TempDir dir;
  write_seed_example(dir);
  std::ofstream(dir.file("bad.csv")) << "id,priority,cpu\n1,5,2\n2,high,3\n";
  auto r = run_troupe_cli("allocate --tasks " + dir.file("bad.csv") + " --nodes " +
                          dir.file("nodes.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(dir.file("bad.csv") + ":3: 'priority' is not a number"),
            std::string::npos)
      << r.output;
  std::ofstream(dir.file("bad.txt")) << "1\n2 2\n1 2\n3 x\n";
  r = run_troupe_cli("allocate --gap " + dir.file("bad.txt"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(dir.file("bad.txt") + ":4: 'x' is not a number"), std::string::npos)
      << r.output;
  r = run_troupe_cli("allocate --gap " + dir.file("missing.txt"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("cannot open"), std::string::npos);
}

TEST(AllocateCli, UsageErrorsExitWith2) {
  EXPECT_EQ(run_troupe_cli("allocate").code, 2);
  EXPECT_EQ(run_troupe_cli("allocate --gap g.txt --tasks t.csv --nodes n.csv").code, 2);
  EXPECT_EQ(run_troupe_cli("allocate --gap g.txt --sense sideways").code, 2);
  const auto r = run_troupe_cli("allocate --gap g.txt --policy magic");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("known: priority"), std::string::npos);
  EXPECT_EQ(run_troupe_cli("allocate --help").code, 0);
}

TEST(AllocateCli, AnImpossibleEveryTaskRequestFailsClearly) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("g.txt")) << "1\n1 2\n1 1\n3 3\n4\n";
  const auto r = run_troupe_cli("allocate --gap " + dir.file("g.txt") + " --problem 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("every task had to be placed"), std::string::npos) << r.output;
}

TEST(SimulateCli, RunsASyntheticWorkloadAndWritesTheReport) {
  troupe::test::TempDir dir;
  const auto r =
      run_troupe_cli("simulate --synthetic 200x10 --seed 3 --policy pack --quiet --out " +
                     dir.file("s.json") + " --gantt " + dir.file("s.svg"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto json = read_text(dir.file("s.json"));
  for (const char* key : {"\"makespan_s\"", "\"p95_completion_s\"", "\"deadline_misses\"",
                          "\"utilisation\"", "\"events\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
  EXPECT_NE(read_text(dir.file("s.svg")).find("<svg"), std::string::npos);
}

TEST(SimulateCli, ReadsAWorkloadFileAndReportsItsErrorsByLine) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("w.json")) << "{\"tasks\": [{\"id\": 1, \"cpu\": 1, \"work\": 4}],\n"
                                       " \"nodes\": [{\"id\": \"a\", \"cpu\": 2}]}\n";
  auto r = run_troupe_cli("simulate --workload " + dir.file("w.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("makespan 4.00 s"), std::string::npos) << r.output;
  std::ofstream(dir.file("bad.json")) << "{\"tasks\": [{\"id\": 1}],\n \"nodes\": [\n"
                                         "  {\"id\": \"a\", \"speed\": -2}]}\n";
  r = run_troupe_cli("simulate --workload " + dir.file("bad.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(dir.file("bad.json") + ":3: 'speed'"), std::string::npos) << r.output;
}

TEST(SimulateCli, UsageErrorsExitWith2) {
  EXPECT_EQ(run_troupe_cli("simulate").code, 2);
  EXPECT_EQ(run_troupe_cli("simulate --synthetic 10by3").code, 2);
  EXPECT_EQ(run_troupe_cli("simulate --synthetic 10x3 --failure-rate 2").code, 2);
  EXPECT_EQ(run_troupe_cli("simulate --synthetic 10x3 --policy nope").code, 2);
  const auto r = run_troupe_cli("simulate --synthetic 10x3 --order lifo");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--order must be priority, deadline or fifo"), std::string::npos)
      << r.output;
}

TEST(SimulateCli, TheDeadlineOrderMissesFewerDeadlinesThanFifoOnACrowdedCluster) {
  // 2,000 tasks on 50 nodes at load 0.8: queues are long, so the order counts.
  auto misses = [](const std::string& order) {
    const auto r = run_troupe_cli("simulate --synthetic 2000x50 --load 0.8 --order " + order);
    EXPECT_EQ(r.code, 0) << r.output;
    const auto at = r.output.find("deadline misses ");
    EXPECT_NE(at, std::string::npos) << r.output;
    return at == std::string::npos ? -1 : std::stoi(r.output.substr(at + 16));
  };
  const int fifo = misses("fifo"), edf = misses("deadline");
  EXPECT_GE(edf, 0);
  EXPECT_LT(2 * edf, fifo) << "EDF " << edf << ", FIFO " << fifo;
}
