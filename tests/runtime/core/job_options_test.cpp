// The job options of live scheduling: --priority and --deadline.

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/core/job_spec.hpp"

using namespace troupe::runtime;

TEST(JobOptions, PriorityAndDeadlineAreFiniteAndNotNegative) {
  JobSpec job;
  job.cluster.priority = 5.0;
  job.cluster.deadline_s = 60.0;
  EXPECT_EQ(job.validate(), "");
  for (double bad : {-1.0, std::nan(""), 1.0 / 0.0}) {
    job.cluster.priority = bad;
    EXPECT_NE(job.validate().find("--priority"), std::string::npos) << bad;
    job.cluster.priority = 1.0;
    job.cluster.deadline_s = bad;
    EXPECT_NE(job.validate().find("--deadline"), std::string::npos) << bad;
    job.cluster.deadline_s = 0.0;
  }
}
