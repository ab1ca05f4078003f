// Device profiles for the virtual clock: built-ins, files, draws.
#include "runtime/simulation/device_profile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "test_util.hpp"

using namespace troupe;
using runtime::DeviceDistribution;

namespace {

std::string write_profile(const test::TempDir& dir, const std::string& text) {
  const auto path = (dir.path() / "profile.json").string();
  std::ofstream(path) << text;
  return path;
}

std::string load_error(const std::string& name_or_file) {
  try {
    runtime::load_device_profile(name_or_file);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(DeviceProfile, StragglersMakeExactlyThirtyPercentOfTheNodesFourTimesSlower) {
  const auto p = runtime::builtin_device_profile("stragglers");
  const auto devices = runtime::draw_devices(p, 20, 7);
  ASSERT_EQ(devices.size(), 20u);
  int slow = 0;
  for (const auto& d : devices) {
    if (d.straggler) {
      ++slow;
      EXPECT_DOUBLE_EQ(d.examples_per_s, 250.0);
    } else {
      EXPECT_DOUBLE_EQ(d.examples_per_s, 1000.0);
    }
    EXPECT_DOUBLE_EQ(d.bytes_per_s, 10e6);
    EXPECT_DOUBLE_EQ(d.latency_s, 0.02);
  }
  EXPECT_EQ(slow, 6);
}

TEST(DeviceProfile, TheSameSeedDrawsTheSameDevicesAndAnotherSeedOthers) {
  const auto p = runtime::builtin_device_profile("heavy-tail");
  const auto a = runtime::draw_devices(p, 50, 1), b = runtime::draw_devices(p, 50, 1),
             c = runtime::draw_devices(p, 50, 2);
  int differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].examples_per_s, b[i].examples_per_s);
    EXPECT_EQ(a[i].bytes_per_s, b[i].bytes_per_s);
    differ += a[i].examples_per_s != c[i].examples_per_s ? 1 : 0;
  }
  EXPECT_GT(differ, 45);
  // Adding nodes does not change the devices of the first ones.
  const auto more = runtime::draw_devices(p, 80, 1);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].examples_per_s, more[i].examples_per_s);
}

TEST(DeviceProfile, HeavyTailIsLogNormalAroundTheReferenceDevice) {
  const auto devices =
      runtime::draw_devices(runtime::builtin_device_profile("heavy-tail"), 4000, 3);
  std::vector<double> logs;
  for (const auto& d : devices) logs.push_back(std::log(d.examples_per_s / 1000.0));
  double mean = 0.0, var = 0.0;
  for (double x : logs) mean += x;
  mean /= static_cast<double>(logs.size());
  for (double x : logs) var += (x - mean) * (x - mean);
  var /= static_cast<double>(logs.size() - 1);
  // log(speed / median) ~ N(0, 1): the sample mean within 4 standard errors, the variance within 10
  // %.
  EXPECT_NEAR(mean, 0.0, 4.0 / std::sqrt(4000.0));
  EXPECT_NEAR(var, 1.0, 0.1);
  const auto slowest = *std::min_element(logs.begin(), logs.end());
  EXPECT_LT(slowest, -2.5);  // a heavy tail of slow devices
}

TEST(DeviceProfile, AFileSetsWhatItNamesAndKeepsTheReferenceForTheRest) {
  test::TempDir dir;
  const auto path = write_profile(dir,
                                  R"({"examples_per_s": {"uniform": [100, 200]}, "latency_ms": 5,
          "stragglers": {"fraction": 0.5, "slowdown": 10}})");
  const auto p = runtime::load_device_profile(path);
  EXPECT_EQ(p.name, path);
  EXPECT_EQ(p.examples_per_s.kind, DeviceDistribution::Kind::uniform);
  EXPECT_EQ(p.bandwidth_mbps.a, 80.0);
  const auto devices = runtime::draw_devices(p, 10, 42);
  int slow = 0;
  for (const auto& d : devices) {
    const double speed = d.straggler ? d.examples_per_s * 10.0 : d.examples_per_s;
    EXPECT_GE(speed, 100.0);
    EXPECT_LE(speed, 200.0);
    EXPECT_DOUBLE_EQ(d.latency_s, 0.005);
    slow += d.straggler;
  }
  EXPECT_EQ(slow, 5);
  // Durations: latency + bytes / bandwidth; examples / speed; evaluation a third.
  runtime::NodeDevice d{100.0, 1e6, 0.01, false};
  EXPECT_DOUBLE_EQ(runtime::transfer_seconds(d, 500000), 0.51);
  EXPECT_DOUBLE_EQ(runtime::train_seconds(d, 300), 3.0);
  EXPECT_DOUBLE_EQ(runtime::eval_seconds(d, 300), 1.0);
}

TEST(DeviceProfile, BadProfilesAreRefusedNamingTheProblem) {
  test::TempDir dir;
  EXPECT_NE(load_error("no-such-profile").find("not a built-in profile"), std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, "{")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, "[1]")).find("expected a JSON object"),
            std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, R"({"examples_per_sec": 5})")).find("unknown key"),
            std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, R"({"latency_ms": -1})")).find("positive number"),
            std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, R"({"latency_ms": {"uniform": [5, 1]}})"))
                .find("0 < min <= max"),
            std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, R"({"latency_ms": {"gamma": 1}})"))
                .find("unknown distribution"),
            std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, R"({"stragglers": {"fraction": 2, "slowdown": 4}})"))
                .find("[0, 1]"),
            std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, R"({"stragglers": {"fraction": 0.2, "slowdown": 0.5}})"))
                .find(">= 1"),
            std::string::npos);
  // A straggler share without its slowdown would flag nodes that are not slower.
  EXPECT_NE(load_error(write_profile(dir, R"({"stragglers": {"fraction": 0.3}})")).find("expected"),
            std::string::npos);
  EXPECT_NE(
      load_error(write_profile(dir, R"({"latency_ms": {"lognormal": {"median": 5, "sigma": 9}}})"))
          .find("sigma <= 5"),
      std::string::npos);
  EXPECT_NE(load_error(write_profile(dir, R"({"latency_ms": 1e400})")).find("not valid JSON"),
            std::string::npos);
}
