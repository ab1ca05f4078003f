// The neighbour graph and the parameters chosen for it.
#include "runtime/secagg/neighbour_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace troupe::runtime::secagg {
namespace {

TEST(NeighbourGraph, IsSymmetricOfTheChosenDegreeAndFreeOfSelfLoops) {
  for (int n : {5, 40, 100, 333}) {
    auto p = choose_params(n, 10, 48);
    p.graph_seed = 77;
    const NeighbourGraph graph(p);
    for (int i = 0; i < n; ++i) {
      const auto mine = graph.of(i);
      EXPECT_EQ(static_cast<int>(mine.size()), p.degree) << n;
      EXPECT_EQ(std::set<std::int32_t>(mine.begin(), mine.end()).size(), mine.size());
      for (auto j : mine) {
        EXPECT_NE(j, i);
        const auto theirs = graph.of(j);
        EXPECT_TRUE(std::binary_search(theirs.begin(), theirs.end(), i)) << i << " " << j;
        EXPECT_TRUE(graph.adjacent(i, j));
      }
      EXPECT_EQ(neighbours(p, i), mine);  // the free function agrees
    }
  }
}

TEST(NeighbourGraph, DependsOnlyOnTheSeed) {
  auto p = choose_params(200, 1, 48);
  p.graph_seed = 1;
  auto q = p;
  q.graph_seed = 2;
  EXPECT_EQ(NeighbourGraph(p).of(17), NeighbourGraph(p).of(17));
  EXPECT_NE(NeighbourGraph(p).of(17), NeighbourGraph(q).of(17));
}

TEST(ChooseParams, ThresholdExceedsHalfTheHoldersAndDegreeGrowsSlowly) {
  int previous = 0;
  for (int n : {100, 300, 1000, 3000, 10000}) {
    const auto p = choose_params(n, 1, 48);
    EXPECT_GT(2 * p.threshold, p.degree + 1) << n;  // k neighbours + the owner hold shares
    EXPECT_LE(p.threshold, p.degree + 1);
    EXPECT_GE(p.degree, previous) << n;
    previous = p.degree;
  }
  // Logarithmic growth: 100x the participants, not even 10x the degree.
  EXPECT_LT(choose_params(10000, 1, 48).degree, 10 * choose_params(100, 1, 48).degree);
  EXPECT_LT(choose_params(10000, 1, 48).degree, 600);
}

TEST(ChooseParams, AThirdDroppingNeverLeavesFewerThanTheThresholdUpToAHundred) {
  // Up to n = 100 the degree is large enough that the guarantee is certain:
  // the owner and its k - floor(n / 3) surviving neighbours still reach t.
  for (int n = 2; n <= 100; ++n) {
    const auto p = choose_params(n, 1, 48);
    EXPECT_GE(p.degree - n / 3 + 1, p.threshold) << n;  // a survivor's b
    if (n / 3 > 0) {
      EXPECT_GE(p.degree - (n / 3 - 1), p.threshold) << n;  // a dropped one's key
    }
  }
}

TEST(ChooseParams, RefusesCohortsOfFewerThanTwoAndBadBits) {
  EXPECT_THROW(choose_params(1, 1, 48), std::invalid_argument);
  EXPECT_THROW(choose_params(10, 1, 65), std::invalid_argument);
  EXPECT_THROW(choose_params(10, 1, 4), std::invalid_argument);
}

TEST(CheckParams, RefusesADegreeOrThresholdThatBreaksTheGuarantees) {
  auto p = choose_params(50, 1, 48);
  auto odd = p;
  odd.degree = 7;
  EXPECT_THROW(check_params(odd), std::invalid_argument);
  auto low = p;
  low.threshold = (p.degree + 1) / 2;  // two disjoint honest halves could both reach it
  EXPECT_THROW(check_params(low), std::invalid_argument);
  EXPECT_NO_THROW(check_params(p));
}

}  // namespace
}  // namespace troupe::runtime::secagg
