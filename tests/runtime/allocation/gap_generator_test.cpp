#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "bench/gap_generator.hpp"

using troupe::bench::GapType;
using troupe::bench::generate_gap;

namespace {

double sum_row(const troupe::runtime::GapProblem& p, int i, double& largest) {
  double sum = 0.0;
  largest = 0.0;
  for (int j = 0; j < p.jobs; ++j) {
    const double a = p.demand[static_cast<std::size_t>(i * p.jobs + j)];
    sum += a;
    largest = std::max(largest, a);
  }
  return sum;
}

}  // namespace

TEST(GapGenerator, TheSameSeedGivesTheSameInstanceAndAnotherSeedAnother) {
  for (auto type : {GapType::c, GapType::d, GapType::e}) {
    const auto a = generate_gap(type, 10, 60, 7), b = generate_gap(type, 10, 60, 7);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.demand, b.demand);
    EXPECT_EQ(a.capacity, b.capacity);
    EXPECT_NE(a.demand, generate_gap(type, 10, 60, 8).demand);
  }
}

TEST(GapGenerator, TypeDFollowsChuAndBeasleysFormulas) {
  const auto p = generate_gap(GapType::d, 10, 60, 1);
  for (std::size_t k = 0; k < p.demand.size(); ++k) {
    EXPECT_GE(p.demand[k], 1);
    EXPECT_LE(p.demand[k], 100);
    EXPECT_LE(std::abs(p.value[k] - (111 - p.demand[k])), 10);
  }
  for (int i = 0; i < p.agents; ++i) {
    double largest = 0.0;
    EXPECT_EQ(p.capacity[static_cast<std::size_t>(i)],
              std::floor(0.8 * sum_row(p, i, largest) / p.agents));
  }
}

TEST(GapGenerator, TypeCDrawsDemandsAndCostsFromTheirRanges) {
  const auto p = generate_gap(GapType::c, 5, 100, 2);
  const auto [lo_a, hi_a] = std::minmax_element(p.demand.begin(), p.demand.end());
  const auto [lo_c, hi_c] = std::minmax_element(p.value.begin(), p.value.end());
  EXPECT_EQ(*lo_a, 5);
  EXPECT_EQ(*hi_a, 25);
  EXPECT_EQ(*lo_c, 10);
  EXPECT_EQ(*hi_c, 50);
  double largest = 0.0;
  EXPECT_EQ(p.capacity[0], std::floor(0.8 * sum_row(p, 0, largest) / p.agents));
}

TEST(GapGenerator, TypeEHasExponentialDemandsAndRoomForTheLargestJob) {
  const auto p = generate_gap(GapType::e, 10, 60, 3);
  double mean = 0.0;
  for (std::size_t k = 0; k < p.demand.size(); ++k) {
    EXPECT_GE(p.demand[k], 1);
    EXPECT_LE(std::abs(p.value[k] - (1000.0 / p.demand[k] - 5.0)), 6.0);
    mean += p.demand[k] / static_cast<double>(p.demand.size());
  }
  EXPECT_NEAR(mean, 10.5, 1.5);  // 1 + floor of an exponential with mean 10
  for (int i = 0; i < p.agents; ++i) {
    double largest = 0.0;
    const double sum = sum_row(p, i, largest);
    EXPECT_EQ(p.capacity[static_cast<std::size_t>(i)],
              std::max(std::floor(0.8 * sum / p.agents), largest));
  }
}

TEST(GapGenerator, WritesFilesThatTheOrLibraryReaderReadsBack) {
  const auto p = generate_gap(GapType::d, 4, 9, 5);
  std::stringstream file;
  troupe::bench::write_gap(file, {p, p});
  const auto back = troupe::runtime::parse_gap(file, "generated");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].value, p.value);
  EXPECT_EQ(back[1].demand, p.demand);
  EXPECT_EQ(back[1].capacity, p.capacity);
}
