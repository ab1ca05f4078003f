// The order of a scheduler's queued jobs: priority, then earliest deadline, then arrival.

#include <gtest/gtest.h>

#include "runtime/scheduling/job_order.hpp"

using namespace troupe::runtime;

TEST(JobOrder, TheHigherPriorityStartsFirstWhateverTheDeadlines) {
  const auto urgent_low = job_order_key(1.0, 10.0, 0.0);
  const auto relaxed_high = job_order_key(3.0, 0.0, 5.0);
  EXPECT_TRUE(starts_before(relaxed_high, urgent_low));
  EXPECT_FALSE(starts_before(urgent_low, relaxed_high));
}

TEST(JobOrder, AmongEqualPrioritiesTheEarliestDeadlineStartsFirstAndNoDeadlineLast) {
  const auto none = job_order_key(2.0, 0.0, 0.0);
  const auto late = job_order_key(2.0, 100.0, 0.0);   // due at 100
  const auto early = job_order_key(2.0, 30.0, 50.0);  // submitted later, due at 80
  EXPECT_TRUE(starts_before(early, late));
  EXPECT_TRUE(starts_before(late, none));
  EXPECT_FALSE(starts_before(none, late));
}

TEST(JobOrder, EqualKeysKeepTheirArrivalOrder) {
  EXPECT_FALSE(starts_before(job_order_key(1.0, 0.0, 9.0), job_order_key(1.0, 0.0, 1.0)));
  EXPECT_FALSE(starts_before(job_order_key(1.0, 5.0, 0.0), job_order_key(1.0, 5.0, 0.0)));
}
