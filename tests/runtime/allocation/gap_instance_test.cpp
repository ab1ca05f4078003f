#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime/allocation/gap_instance.hpp"
#include "runtime/core/input_error.hpp"

using namespace troupe::runtime;

namespace {

// One problem, 2 agents x 3 jobs: values, demands (agent-major), capacities.
const char* kSmall =
    "1\n"
    "2 3\n"
    "1 2 3\n"
    "4 5 6\n"
    "5 1 1\n"
    "1 1 5\n"
    "6 6\n";

std::vector<GapProblem> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_gap(in, "test.txt");
}

/// The InputError parse throws on `text`.
InputError error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return InputError("", 0, "");
}

}  // namespace

TEST(GapParser, ReadsValuesDemandsAndCapacitiesAgentMajor) {
  const auto problems = parse(kSmall);
  ASSERT_EQ(problems.size(), 1u);
  const auto& g = problems[0];
  EXPECT_EQ(g.agents, 2);
  EXPECT_EQ(g.jobs, 3);
  EXPECT_EQ(g.value, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(g.demand, (std::vector<double>{5, 1, 1, 1, 1, 5}));
  EXPECT_EQ(g.capacity, (std::vector<double>{6, 6}));
}

TEST(GapParser, IgnoresHowNumbersAreSplitOverLines) {
  const auto a = parse(kSmall);
  const auto b = parse("1 2 3 1 2 3 4 5 6 5 1 1 1 1 5 6 6");
  EXPECT_EQ(a[0].value, b[0].value);
  EXPECT_EQ(a[0].capacity, b[0].capacity);
}

TEST(GapParser, TurnsAProblemIntoAPerPairRequest) {
  const auto req = to_request(parse(kSmall)[0], Sense::minimise);
  ASSERT_EQ(req.tasks.size(), 3u);
  ASSERT_EQ(req.nodes.size(), 2u);
  EXPECT_EQ(req.options.placement, Placement::every_task);
  EXPECT_DOUBLE_EQ(req.value(2, 1), 6.0);      // job 3 on agent 2
  EXPECT_DOUBLE_EQ(req.demand(0, 0)[0], 5.0);  // job 1 on agent 1
  EXPECT_DOUBLE_EQ(req.nodes[1].capacity[0], 6.0);
}

TEST(GapParser, NamesTheLineOfAWordThatIsNotANumber) {
  const auto e = error_of("1\n2 3\n1 2 3\n4 x 6\n");
  EXPECT_EQ(e.file(), "test.txt");
  EXPECT_EQ(e.line(), 4);
  EXPECT_NE(e.reason().find("'x' is not a number"), std::string::npos) << e.what();
}

TEST(GapParser, ReportsATruncatedFileAtItsLastLine) {
  const auto e = error_of("1\n2 3\n1 2 3\n4 5 6\n5 1 1\n");
  EXPECT_EQ(e.line(), 6);
  EXPECT_NE(e.reason().find("unexpected end of file"), std::string::npos) << e.what();
}

TEST(GapParser, RefusesNegativeOrFractionalSizesAndNegativeDemands) {
  EXPECT_NE(error_of("1\n-2 3\n").reason().find("number of agents"), std::string::npos);
  EXPECT_NE(error_of("1.5\n").reason().find("number of problems"), std::string::npos);
  EXPECT_NE(error_of("1\n2 3\n1 2 3\n4 5 6\n5 -1 1\n").reason().find("negative demand"),
            std::string::npos);
}

TEST(GapParser, RefusesAHeaderTooLargeToAllocate) {
  EXPECT_NE(error_of("1\n1000000 1000000\n").reason().find("too large"), std::string::npos);
}

TEST(GapParser, RefusesTrailingData) {
  const auto e = error_of(std::string(kSmall) + "7\n");
  EXPECT_EQ(e.line(), 8);
  EXPECT_NE(e.reason().find("trailing data"), std::string::npos);
}

TEST(GapParser, NamesAMissingFile) {
  try {
    read_gap_file("/nonexistent/gap.txt");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "/nonexistent/gap.txt");
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

TEST(GapParser, ReadsTheOrLibraryFilesWhenPresent) {
  const std::string path = std::string(TROUPE_SOURCE_DIR) + "/tests/data/gap/gap1.txt";
  std::ifstream probe(path);
  if (!probe) GTEST_SKIP() << "no " << path;
  const auto problems = read_gap_file(path);
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_EQ(problems[0].agents, 5);
  EXPECT_EQ(problems[0].jobs, 15);
}
