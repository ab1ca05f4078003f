#include "models/partition.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

using troupe::models::label_skew;
using troupe::models::Partition;
using troupe::models::partition_dirichlet;
using troupe::models::partition_iid;
using troupe::models::partition_labels;

namespace {

std::vector<std::uint8_t> balanced_labels(std::size_t n) {
  std::vector<std::uint8_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
  std::mt19937 rng(1);
  std::shuffle(labels.begin(), labels.end(), rng);
  return labels;
}

/// Every index 0..n-1 appears exactly once over all parts.
void expect_disjoint_and_complete(const Partition& p, std::size_t n) {
  std::vector<int> seen(n, 0);
  for (const auto& part : p)
    for (auto i : part) {
      ASSERT_LT(i, n);
      ++seen[i];
    }
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
}

}  // namespace

TEST(PartitionIid, IsDisjointCompleteAndBalanced) {
  const auto p = partition_iid(1003, 10, 7);
  ASSERT_EQ(p.size(), 10u);
  expect_disjoint_and_complete(p, 1003);
  for (const auto& part : p) EXPECT_TRUE(part.size() == 100 || part.size() == 101);
}

TEST(PartitionIid, SameSeedGivesTheSameSplitAndAnotherSeedDoesNot) {
  EXPECT_EQ(partition_iid(500, 5, 3), partition_iid(500, 5, 3));
  EXPECT_NE(partition_iid(500, 5, 3), partition_iid(500, 5, 4));
}

TEST(PartitionDirichlet, IsDisjointAndComplete) {
  const auto labels = balanced_labels(5000);
  const auto p = partition_dirichlet(labels, 10, 10, 0.5, 11);
  ASSERT_EQ(p.size(), 10u);
  expect_disjoint_and_complete(p, labels.size());
}

TEST(PartitionDirichlet, SameSeedGivesTheSameSplit) {
  const auto labels = balanced_labels(3000);
  EXPECT_EQ(partition_dirichlet(labels, 10, 8, 0.3, 5), partition_dirichlet(labels, 10, 8, 0.3, 5));
}

TEST(PartitionDirichlet, SkewGrowsAsAlphaFalls) {
  const auto labels = balanced_labels(10000);
  const double skew_100 = label_skew(partition_dirichlet(labels, 10, 10, 100.0, 1), labels, 10);
  const double skew_1 = label_skew(partition_dirichlet(labels, 10, 10, 1.0, 1), labels, 10);
  const double skew_01 = label_skew(partition_dirichlet(labels, 10, 10, 0.1, 1), labels, 10);
  EXPECT_LT(skew_100, skew_1);
  EXPECT_LT(skew_1, skew_01);
  EXPECT_LT(skew_100, 0.1);  // large alpha is close to IID
  EXPECT_GT(skew_01, 0.5);   // small alpha concentrates each part on few labels
}

TEST(PartitionDirichlet, EveryPartGetsTheMinimumSizeWhenPossible) {
  const auto labels = balanced_labels(2000);
  for (const auto& part : partition_dirichlet(labels, 10, 10, 0.5, 9, 10))
    EXPECT_GE(part.size(), 10u);
}

TEST(PartitionDirichlet, RejectsNonPositiveAlpha) {
  EXPECT_THROW(partition_dirichlet(balanced_labels(100), 10, 2, 0.0, 1), std::invalid_argument);
}

TEST(LabelSkew, IsZeroForAnIdenticalDistribution) {
  const std::vector<std::uint8_t> labels{0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(label_skew({{0, 1}, {2, 3}}, labels, 2), 0.0);
  EXPECT_DOUBLE_EQ(label_skew({{0, 2}, {1, 3}}, labels, 2), 0.5);
}

namespace {
/// Distinct labels in each part.
std::vector<std::size_t> labels_per_part(const Partition& p,
                                         const std::vector<std::uint8_t>& labels) {
  std::vector<std::size_t> out;
  for (const auto& part : p) {
    std::set<int> seen;
    for (auto i : part) seen.insert(labels[i]);
    out.push_back(seen.size());
  }
  return out;
}

/// No index appears twice over all parts, and all are in range.
void expect_disjoint(const Partition& p, std::size_t n) {
  std::vector<int> seen(n, 0);
  for (const auto& part : p)
    for (auto i : part) {
      ASSERT_LT(i, n);
      EXPECT_EQ(++seen[i], 1) << "index " << i << " used twice";
    }
}
}  // namespace

TEST(PartitionLabels, EveryPartHoldsExactlyKLabelsAndUsesEachExampleOnce) {
  const auto labels = balanced_labels(5000);
  for (std::size_t k : {1u, 2u, 3u, 10u}) {
    SCOPED_TRACE(k);
    const auto p = partition_labels(labels, 10, 10, k, 7);
    ASSERT_EQ(p.size(), 10u);
    EXPECT_EQ(labels_per_part(p, labels), std::vector<std::size_t>(10, k));
    // 10 x k shards over 10 equal labels: every label gets a shard, so all examples are used.
    expect_disjoint_and_complete(p, labels.size());
  }
}

TEST(PartitionLabels, HoldsForUnevenLabelsAndPartCounts) {
  // Label c occurs 50 + 40 c times.
  std::vector<std::uint8_t> labels;
  for (int c = 0; c < 10; ++c)
    labels.insert(labels.end(), 50 + 40 * c, static_cast<std::uint8_t>(c));
  std::mt19937 rng(3);
  std::shuffle(labels.begin(), labels.end(), rng);
  for (std::size_t parts : {3u, 7u, 13u}) {
    SCOPED_TRACE(parts);
    const auto p = partition_labels(labels, 10, parts, 3, 2);
    ASSERT_EQ(p.size(), parts);
    EXPECT_EQ(labels_per_part(p, labels), std::vector<std::size_t>(parts, 3));
    expect_disjoint(p, labels.size());
    for (const auto& part : p) EXPECT_FALSE(part.empty());
  }
}

TEST(PartitionLabels, FewShardsLeaveSomeLabelsUnused) {
  const auto labels = balanced_labels(1000);
  const auto p = partition_labels(labels, 10, 3, 1, 1);  // 3 shards for 10 labels
  EXPECT_EQ(labels_per_part(p, labels), std::vector<std::size_t>(3, 1));
  expect_disjoint(p, labels.size());
  std::size_t used = 0;
  for (const auto& part : p) used += part.size();
  EXPECT_EQ(used, 300u);  // three whole labels of 100 examples
}

TEST(PartitionLabels, SameSeedGivesTheSameSplitAndAnotherSeedDoesNot) {
  const auto labels = balanced_labels(2000);
  EXPECT_EQ(partition_labels(labels, 10, 5, 2, 3), partition_labels(labels, 10, 5, 2, 3));
  EXPECT_NE(partition_labels(labels, 10, 5, 2, 3), partition_labels(labels, 10, 5, 2, 4));
}

TEST(PartitionLabels, RejectsImpossibleRequests) {
  const auto labels = balanced_labels(100);
  EXPECT_THROW(partition_labels(labels, 10, 0, 2, 1), std::invalid_argument);
  EXPECT_THROW(partition_labels(labels, 10, 5, 0, 1), std::invalid_argument);
  EXPECT_THROW(partition_labels(labels, 10, 5, 11, 1), std::invalid_argument);  // only 10 labels
  EXPECT_THROW(partition_labels(labels, 5, 5, 2, 1), std::invalid_argument);    // label >= 5
  // 2 examples of 2 labels cannot make 3 parts x 1 non-empty shard.
  EXPECT_THROW(partition_labels({0, 1}, 2, 3, 1, 1), std::invalid_argument);
}

TEST(PartitionSampled, EveryPartHoldsItsOwnSortedSampleOfDistinctExamples) {
  for (const std::size_t per : {1u, 5u, 32u, 100u, 400u, 1000u}) {  // both draw paths
    const auto p = troupe::models::partition_sampled(1000, 50, per, 7);
    ASSERT_EQ(p.size(), 50u);
    for (const auto& part : p) {
      ASSERT_EQ(part.size(), per);
      EXPECT_TRUE(std::is_sorted(part.begin(), part.end()));
      EXPECT_EQ(std::set<std::size_t>(part.begin(), part.end()).size(), per);
      EXPECT_LT(part.back(), 1000u);
    }
  }
}

TEST(PartitionSampled, APartsSampleDependsOnTheSeedAndItsIndexNotOnHowManyParts) {
  const auto few = troupe::models::partition_sampled(60000, 3, 32, 1);
  const auto many = troupe::models::partition_sampled(60000, 5000, 32, 1);
  for (std::size_t p = 0; p < few.size(); ++p) EXPECT_EQ(few[p], many[p]);
  EXPECT_NE(many[0], many[1]);  // parts draw their own samples
  EXPECT_NE(troupe::models::partition_sampled(60000, 3, 32, 2)[0], few[0]);
  // More parts than the set has examples / 32: the samples overlap, yet cover
  // much of the set (uniform draws: 5000 x 32 = 160,000 draws of 60,000).
  std::set<std::size_t> covered;
  for (const auto& part : many) covered.insert(part.begin(), part.end());
  EXPECT_GT(covered.size(), 55000u);
}

TEST(PartitionSampled, RejectsEmptyAndOversizedRequests) {
  EXPECT_THROW(troupe::models::partition_sampled(100, 0, 5, 1), std::invalid_argument);
  EXPECT_THROW(troupe::models::partition_sampled(100, 5, 0, 1), std::invalid_argument);
  EXPECT_THROW(troupe::models::partition_sampled(100, 5, 101, 1), std::invalid_argument);
  EXPECT_EQ(troupe::models::partition_sampled(100, 2, 100, 1)[1].size(), 100u);
}
