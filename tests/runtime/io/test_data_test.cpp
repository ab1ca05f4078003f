#include "runtime/io/test_data.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "models/dataset_pack.hpp"
#include "test_util.hpp"

using namespace troupe;
using troupe::runtime::attach_test_data;

namespace {

/// A gzipped IDX pair of `n` 28x28 images in `dir` (labels i % 10).
std::string write_pair(const test::TempDir& dir, std::uint32_t n) {
  std::vector<std::uint8_t> images(static_cast<std::size_t>(n) * 784, 0);
  std::vector<std::uint8_t> labels;
  for (std::uint32_t i = 0; i < n; ++i) labels.push_back(static_cast<std::uint8_t>(i % 10));
  test::write_gz(dir.file("owner-images-idx3-ubyte.gz"), test::idx_bytes({n, 28, 28}, images));
  test::write_gz(dir.file("owner-labels-idx1-ubyte.gz"), test::idx_bytes({n}, labels));
  return dir.file("owner-images-idx3-ubyte.gz");
}

std::string error_of(runtime::JobSpec& job, std::size_t cap = runtime::kMaxTestSetBytes) {
  try {
    attach_test_data(job, cap);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(TestData, AnIdxPairIsReadAndPackedIntoTheJob) {
  test::TempDir dir;
  runtime::JobSpec job;
  job.data.test_data = write_pair(dir, 12);
  attach_test_data(job);
  const auto set = models::unpack_dataset(job.data.test_set);
  EXPECT_EQ(set.size(), 12U);
  EXPECT_EQ(set.features(), 784);
  EXPECT_EQ(set.labels[11], 1);
}

TEST(TestData, WithoutTestDataNothingIsShipped) {
  runtime::JobSpec job;
  attach_test_data(job);
  EXPECT_TRUE(job.data.test_set.empty());
}

TEST(TestData, AMissingFileIsRefusedNamingIt) {
  test::TempDir dir;
  runtime::JobSpec job;
  job.data.test_data = dir.file("nope-images-idx3-ubyte.gz");
  const auto why = error_of(job);
  EXPECT_NE(why.find("--test-data"), std::string::npos) << why;
  EXPECT_NE(why.find("nope-images-idx3-ubyte.gz"), std::string::npos) << why;
}

TEST(TestData, ACorruptFileIsRefusedNamingIt) {
  test::TempDir dir;
  const auto path = write_pair(dir, 3);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "not gzip, not idx";
  runtime::JobSpec job;
  job.data.test_data = path;
  const auto why = error_of(job);
  EXPECT_NE(why.find(path), std::string::npos) << why;
  EXPECT_TRUE(job.data.test_set.empty());
}

TEST(TestData, ASetOverTheCapIsRefusedSayingTheCap) {
  test::TempDir dir;
  runtime::JobSpec job;
  job.data.test_data = write_pair(dir, 20);  // about 15,700 bytes packed
  const auto why = error_of(job, 10000);
  EXPECT_NE(why.find("more than the 10000 bytes a job may ship"), std::string::npos) << why;
  EXPECT_NE(why.find(job.data.test_data), std::string::npos) << why;
  EXPECT_TRUE(job.data.test_set.empty());
}
