#include "runtime/aggregation/update_validation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using troupe::models::DType;
using troupe::models::Parameters;
using troupe::runtime::UpdateLimits;
using troupe::runtime::validate_update;

namespace {

/// fc.weight [2, 3] and fc.bias [2], float32, values 0.5 * i.
Parameters model() {
  Parameters p;
  p.add("fc.weight", DType::float32, {2, 3});
  p.add("fc.bias", DType::float32, {2});
  for (std::int64_t i = 0; i < p.numel(); ++i) p.float_data()[i] = 0.5F * static_cast<float>(i);
  return p;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(UpdateValidation, AnUpdateWithTheModelsLayoutAndFiniteValuesIsAccepted) {
  EXPECT_EQ(validate_update(model(), model()), "");
}

TEST(UpdateValidation, AWrongShapeIsRejectedNamingTheTensorAndBothShapes) {
  Parameters bad;
  bad.add("fc.weight", DType::float32, {3, 2});
  bad.add("fc.bias", DType::float32, {2});
  const auto why = validate_update(model(), bad);
  EXPECT_TRUE(mentions(why, "'fc.weight' has shape [3, 2], expected [2, 3]")) << why;
}

TEST(UpdateValidation, AWrongNameIsRejected) {
  Parameters bad;
  bad.add("fc.weights", DType::float32, {2, 3});
  bad.add("fc.bias", DType::float32, {2});
  EXPECT_TRUE(mentions(validate_update(model(), bad), "named 'fc.weights', expected 'fc.weight'"));
}

TEST(UpdateValidation, AWrongDtypeIsRejected) {
  Parameters bad;
  bad.add("fc.weight", DType::float64, {2, 3});
  bad.add("fc.bias", DType::float32, {2});
  EXPECT_TRUE(mentions(validate_update(model(), bad), "dtype float64, expected float32"));
}

TEST(UpdateValidation, AMissingTensorIsRejected) {
  Parameters bad;
  bad.add("fc.weight", DType::float32, {2, 3});
  EXPECT_TRUE(mentions(validate_update(model(), bad), "1 tensors, the model has 2"));
}

TEST(UpdateValidation, ANanIsRejectedWithTheIndexOfTheFirstOne) {
  auto bad = model();
  bad.float_data()[4] = std::numeric_limits<float>::quiet_NaN();
  bad.float_data()[5] = std::numeric_limits<float>::quiet_NaN();
  const auto why = validate_update(model(), bad);
  EXPECT_TRUE(mentions(why, "'fc.weight' value 4 is not finite (nan)")) << why;
}

TEST(UpdateValidation, AnInfinityInALaterTensorIsRejected) {
  auto bad = model();
  bad.float_data()[7] = -std::numeric_limits<float>::infinity();  // fc.bias[1]
  EXPECT_TRUE(mentions(validate_update(model(), bad), "'fc.bias' value 1 is not finite (-inf)"));
}

TEST(UpdateValidation, AnOversizedUpdateIsRejectedBeforeItsValuesAreRead) {
  UpdateLimits limits;
  limits.max_bytes = 16;
  const auto why = validate_update(model(), model(), limits);
  EXPECT_TRUE(mentions(why, "32 bytes, over the limit of 16")) << why;
}

TEST(UpdateValidation, TooManyTensorsAreRejected) {
  UpdateLimits limits;
  limits.max_tensors = 1;
  EXPECT_TRUE(mentions(validate_update(model(), model(), limits), "over the limit of 1"));
}

TEST(UpdateValidation, ABufferShorterThanItsLayoutIsRejected) {
  auto bad = model();
  bad.bytes.resize(bad.bytes.size() - 4);
  EXPECT_TRUE(mentions(validate_update(model(), bad), "buffer holds 28 bytes"));
}

TEST(UpdateValidation, ALayoutWithAForgedOffsetIsRejectedWithoutReadingOutOfBounds) {
  auto bad = model();
  bad.tensors[1].offset = 1000;
  EXPECT_TRUE(mentions(validate_update(model(), bad), "'fc.bias' has offset 1000"));
}

TEST(UpdateValidation, AShapeWhoseElementCountOverflowsIsRejected) {
  auto bad = model();
  bad.tensors[0].shape = {std::int64_t{1} << 40, std::int64_t{1} << 40};
  EXPECT_TRUE(mentions(validate_update(model(), bad), "invalid or oversized shape"));
}

TEST(UpdateValidation, ANegativeDimensionIsRejected) {
  auto bad = model();
  bad.tensors[0].shape = {-2, -3};
  EXPECT_TRUE(mentions(validate_update(model(), bad), "invalid or oversized shape"));
}

TEST(UpdateValidation, AnUnknownDtypeCodeIsRejected) {
  auto bad = model();
  bad.tensors[0].dtype = static_cast<DType>(42);
  EXPECT_TRUE(mentions(validate_update(model(), bad), "unknown dtype (42)"));
}

TEST(UpdateValidation, AnEmptyUpdateForANonEmptyModelIsRejected) {
  EXPECT_TRUE(mentions(validate_update(model(), Parameters{}), "0 tensors, the model has 2"));
}

TEST(UpdateValidation, ANonFiniteValueIsFoundWhereverItSitsInLargeTensors) {
  // Large enough for the block-wise check (1,024 values a block) and its tail,
  // with the float64 tensor at an offset that is not a multiple of 8.
  auto layout = [] {
    Parameters p;
    p.add("a", DType::float32, {5001});
    p.add("b", DType::float64, {3000});
    return p;
  };
  auto fill = [](Parameters& p) {
    for (std::int64_t i = 0; i < 5001; ++i) p.float_data()[i] = 0.25F * static_cast<float>(i % 7);
    for (std::int64_t i = 0; i < 3000; ++i) {
      const double v = -1e300 + static_cast<double>(i);  // finite, with a large exponent
      std::memcpy(p.bytes.data() + p.tensors[1].offset + i * sizeof(double), &v, sizeof v);
    }
  };
  auto reference = layout();
  fill(reference);
  ASSERT_EQ(reference.tensors[1].offset % 8, 4u);
  EXPECT_EQ(validate_update(reference, reference), "");
  // The largest finite values are not flagged.
  auto extreme = reference;
  extreme.float_data()[2000] = std::numeric_limits<float>::max();
  extreme.float_data()[2001] = -std::numeric_limits<float>::max();
  extreme.float_data()[2002] = std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(validate_update(reference, extreme), "");
  for (const std::int64_t at : {0, 1023, 1024, 3071, 4095, 4096, 5000}) {
    for (const float bad_value :
         {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
          -std::numeric_limits<float>::infinity()}) {
      auto bad = reference;
      bad.float_data()[at] = bad_value;
      if (at + 1500 < 5001) bad.float_data()[at + 1500] = bad_value;  // only the first is named
      const auto why = validate_update(reference, bad);
      EXPECT_TRUE(mentions(why, "'a' value " + std::to_string(at) + " is not finite")) << why;
    }
  }
  for (const std::int64_t at : {0, 1023, 1024, 2047, 2048, 2999}) {
    auto bad = reference;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::memcpy(bad.bytes.data() + bad.tensors[1].offset + at * sizeof(double), &nan, sizeof nan);
    const auto why = validate_update(reference, bad);
    EXPECT_TRUE(mentions(why, "'b' value " + std::to_string(at) + " is not finite (nan)")) << why;
  }
}
