#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "runtime/core/for_halves.hpp"

using troupe::runtime::for_halves;
using troupe::runtime::KernelOptions;

namespace {

/// How many times fn saw each index of [0, n), and how many calls it got.
struct Visits {
  std::vector<std::atomic<int>> count;
  std::atomic<int> calls{0};
  explicit Visits(std::size_t n) : count(n) {}
};

void visit(std::size_t n, const KernelOptions& options, Visits& v) {
  for_halves(n, options, [&](std::size_t begin, std::size_t end) {
    ++v.calls;
    for (std::size_t i = begin; i < end; ++i) ++v.count[i];
  });
}

}  // namespace

TEST(ForHalves, CoversEveryIndexExactlyOnceWhetherItSplitsOrNot) {
  for (const std::size_t n : {0u, 1u, 2u, 3u, 15u, 16u, 17u, 33u, 1000u}) {
    for (const auto& options : {KernelOptions::single_thread(), KernelOptions::always_split()}) {
      Visits v(n);
      visit(n, options, v);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(v.count[i].load(), 1) << "n=" << n << " i=" << i;
    }
  }
}

TEST(ForHalves, SplitsOnlyFromTheThresholdOn) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one hardware thread: never splits";
  const KernelOptions from_100{100};
  Visits small(99), large(100);
  visit(99, from_100, small);
  visit(100, from_100, large);
  EXPECT_EQ(small.calls.load(), 1);
  EXPECT_EQ(large.calls.load(), 2);
}

TEST(ForHalves, CutsAtACacheLineSoTheThreadsNeverShareOne) {
  std::atomic<std::size_t> upper_begin{0};
  for_halves(1000, KernelOptions::always_split(), [&](std::size_t begin, std::size_t) {
    if (begin != 0) upper_begin = begin;
  });
  EXPECT_EQ(upper_begin.load() % 16, 0u);
  EXPECT_EQ(upper_begin.load(), 496u);  // 500 rounded down to a multiple of 16
}
