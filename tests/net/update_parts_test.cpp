#include "net/update_parts.hpp"

#include <gtest/gtest.h>

#include <numeric>

using troupe::net::UpdateParts;

namespace {

std::vector<unsigned char> bytes_from(std::size_t first, std::size_t n) {
  std::vector<unsigned char> out(n);
  std::iota(out.begin(), out.end(), static_cast<unsigned char>(first));
  return out;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(UpdateParts, PartsInOrderMakeTheBlockAndTakingItForgetsIt) {
  UpdateParts parts(4, 10.0);
  ASSERT_EQ(parts.add(7, 0, 10, bytes_from(0, 4), 10, 0.0), "");
  ASSERT_EQ(parts.add(7, 4, 10, bytes_from(4, 6), 10, 0.5), "");
  std::vector<unsigned char> out;
  ASSERT_EQ(parts.take(7, out), "");
  EXPECT_EQ(out, bytes_from(0, 10));
  EXPECT_FALSE(parts.holds(7));
  EXPECT_EQ(parts.take(7, out), "no parts");
}

TEST(UpdateParts, WhatAPartAnnouncesIsCheckedBeforeAnythingIsKept) {
  UpdateParts parts(2, 10.0);
  // Another total than the model's.
  EXPECT_TRUE(mentions(parts.add(1, 0, 1 << 30, bytes_from(0, 4), 10, 0.0), "the model has 10"));
  EXPECT_EQ(parts.size(), 0u);
  // A gap, an overlap, a part past the total, an empty part: each drops the block.
  for (const auto& [offset, n] :
       std::vector<std::pair<std::int64_t, std::size_t>>{{6, 2}, {2, 2}, {4, 8}, {4, 0}}) {
    ASSERT_EQ(parts.add(1, 0, 10, bytes_from(0, 4), 10, 0.0), "");
    EXPECT_TRUE(mentions(parts.add(1, offset, 10, bytes_from(0, n), 10, 0.0), "does not continue"))
        << offset << " " << n;
    EXPECT_FALSE(parts.holds(1));
  }
  // A part of a block that never began.
  EXPECT_TRUE(mentions(parts.add(2, 4, 10, bytes_from(0, 2), 10, 0.0), "does not continue"));
}

TEST(UpdateParts, AnIncompleteBlockIsRefusedWhenTakenAndBeginningAgainStartsOver) {
  UpdateParts parts(4, 10.0);
  ASSERT_EQ(parts.add(3, 0, 10, bytes_from(0, 4), 10, 0.0), "");
  ASSERT_EQ(parts.add(3, 0, 10, bytes_from(0, 4), 10, 0.1), "");  // a retry from the start
  ASSERT_EQ(parts.add(3, 4, 10, bytes_from(4, 6), 10, 0.2), "");
  std::vector<unsigned char> out{42};
  ASSERT_EQ(parts.take(3, out), "");
  ASSERT_EQ(parts.add(4, 0, 10, bytes_from(0, 4), 10, 0.3), "");
  out = {42};
  EXPECT_TRUE(mentions(parts.take(4, out), "4 of 10 bytes"));
  EXPECT_EQ(out, std::vector<unsigned char>{42});
}

TEST(UpdateParts, AtMostSoManyBlocksAndIdleOnesMakeRoom) {
  UpdateParts parts(2, 5.0);
  ASSERT_EQ(parts.add(1, 0, 10, bytes_from(0, 4), 10, 0.0), "");
  ASSERT_EQ(parts.add(2, 0, 10, bytes_from(0, 4), 10, 1.0), "");
  EXPECT_TRUE(mentions(parts.add(3, 0, 10, bytes_from(0, 4), 10, 2.0), "2 updates"));
  // Block 1's sender was silent for more than 5 s: a new block takes its place.
  EXPECT_EQ(parts.add(3, 0, 10, bytes_from(0, 4), 10, 5.5), "");
  EXPECT_FALSE(parts.holds(1));
  EXPECT_TRUE(parts.holds(2));
  EXPECT_TRUE(parts.holds(3));
}

TEST(UpdateParts, ABlockBelongsToTheSenderOfItsFirstPart) {
  UpdateParts parts(4, 5.0);
  ASSERT_EQ(parts.add(7, 0, 10, bytes_from(0, 4), 10, 0.0, "node-a"), "");
  // Another sender can neither restart nor continue it, and the block stays.
  EXPECT_TRUE(mentions(parts.add(7, 0, 10, bytes_from(9, 4), 10, 1.0, "node-b"), "another sender"));
  EXPECT_TRUE(mentions(parts.add(7, 4, 10, bytes_from(9, 6), 10, 1.0, "node-b"), "another sender"));
  ASSERT_EQ(parts.add(7, 4, 10, bytes_from(4, 6), 10, 1.5, "node-a"), "");
  // Nor take it: the update or masked input of the same task from another sender.
  std::vector<unsigned char> out{42};
  EXPECT_TRUE(mentions(parts.take(7, out, "node-b"), "another sender"));
  EXPECT_EQ(out, std::vector<unsigned char>{42});
  ASSERT_TRUE(parts.holds(7));
  ASSERT_EQ(parts.take(7, out, "node-a"), "");
  EXPECT_EQ(out, bytes_from(0, 10));
  // A block whose sender fell silent for longer than the idle time is anyone's to restart.
  ASSERT_EQ(parts.add(8, 0, 10, bytes_from(0, 4), 10, 2.0, "node-a"), "");
  ASSERT_EQ(parts.add(8, 0, 10, bytes_from(5, 4), 10, 7.5, "node-b"), "");
  ASSERT_EQ(parts.add(8, 4, 10, bytes_from(9, 6), 10, 7.6, "node-b"), "");
  ASSERT_EQ(parts.take(8, out, "node-b"), "");
  EXPECT_EQ(out.front(), 5);
}
