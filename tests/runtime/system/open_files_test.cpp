#include "runtime/system/open_files.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

TEST(OpenFiles, TheSoftLimitIsRaisedToTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  // Given a soft limit below the hard one (half of it; 1,024 under no hard limit)
  rlimit lowered = before;
  lowered.rlim_cur = before.rlim_max == RLIM_INFINITY ? 1024 : before.rlim_max / 2;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  // When the process raises it
  const long now = troupe::runtime::raise_open_file_limit();
  // Then the soft limit is the hard one, and that is what the call says
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
  if (after.rlim_cur != RLIM_INFINITY) {
    EXPECT_EQ(now, static_cast<long>(after.rlim_cur));
  }
  // and raising again changes nothing
  EXPECT_EQ(troupe::runtime::raise_open_file_limit(), now);
  setrlimit(RLIMIT_NOFILE, &before);
}
