// NVML as troupe's GPU probe, against a stand-in library with two GPUs
// (fake_nvml.cpp), a library that lacks a function, and no library at all.
#include <gtest/gtest.h>

#include "runtime/system/nvml.hpp"

using namespace troupe::runtime;

TEST(Nvml, ListsEveryGpuWithItsNameAndMemory) {
  Nvml nvml(TROUPE_FAKE_NVML);
  ASSERT_TRUE(nvml.ok()) << nvml.note();
  const auto gpus = nvml.devices();
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[0].name, "Fake H100");
  EXPECT_EQ(gpus[0].memory_total, 80ULL << 30);
  EXPECT_EQ(gpus[0].memory_free, 60ULL << 30);
  EXPECT_EQ(gpus[1].name, "Fake L4");
  EXPECT_EQ(gpus[1].memory_free, 24ULL << 30);
}

TEST(Nvml, ReportsUtilisationAndMemoryInUse) {
  Nvml nvml(TROUPE_FAKE_NVML);
  const auto usage = nvml.usage();
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_DOUBLE_EQ(usage[0].utilisation, 0.25);
  EXPECT_EQ(usage[0].memory_used, 20ULL << 30);
  EXPECT_EQ(usage[0].memory_total, 80ULL << 30);
  EXPECT_DOUBLE_EQ(usage[1].utilisation, 0.0);
}

TEST(Nvml, AMissingLibraryMeansNoGpuAndTheNoteNamesIt) {
  Nvml nvml("/nonexistent/libnvidia-ml.so.1");
  EXPECT_FALSE(nvml.ok());
  EXPECT_TRUE(nvml.devices().empty());
  EXPECT_TRUE(nvml.usage().empty());
  EXPECT_NE(nvml.note().find("/nonexistent/libnvidia-ml.so.1"), std::string::npos);
}

TEST(Nvml, ALibraryWithoutAFunctionTroupeNeedsIsNotUsed) {
  Nvml nvml(TROUPE_FAKE_NVML_INCOMPLETE);
  EXPECT_FALSE(nvml.ok());
  EXPECT_TRUE(nvml.devices().empty());
  EXPECT_NE(nvml.note().find("lacks"), std::string::npos);
}
