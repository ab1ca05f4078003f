#include "models/dataset_pack.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "models/idx_reader.hpp"

using troupe::models::DataError;
using troupe::models::Dataset;
using troupe::models::FeatureType;
using troupe::models::pack_dataset;
using troupe::models::unpack_dataset;

namespace {

Dataset images(std::size_t n) {
  Dataset d;
  d.rows = 2;
  d.cols = 3;
  d.num_classes = 4;
  for (std::size_t i = 0; i < n; ++i) {
    for (int p = 0; p < 6; ++p) d.images.push_back(static_cast<std::uint8_t>(i * 6 + p));
    d.labels.push_back(static_cast<std::uint8_t>(i % 4));
  }
  return d;
}

Dataset vectors() {
  Dataset d;
  d.feature_type = FeatureType::f32;
  d.shape = {3};
  d.num_classes = 2;
  const float values[] = {0.5F, -1.25F, 3.0F, 7.0F, 8.5F, -0.0F};
  d.images.resize(sizeof values);
  std::memcpy(d.images.data(), values, sizeof values);
  d.labels = {1, 0};
  return d;
}

std::string error_of(const std::string& bytes) {
  try {
    unpack_dataset(bytes);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(DatasetPack, ImagesRoundTripWithTheirSizeClassesAndBytes) {
  const auto in = images(5);
  const auto out = unpack_dataset(pack_dataset(in));
  EXPECT_EQ(out.rows, 2);
  EXPECT_EQ(out.cols, 3);
  EXPECT_TRUE(out.shape.empty());
  EXPECT_EQ(out.num_classes, 4);
  EXPECT_EQ(out.feature_type, FeatureType::u8);
  EXPECT_EQ(out.images, in.images);
  EXPECT_EQ(out.labels, in.labels);
}

TEST(DatasetPack, Float32VectorsRoundTripWithTheirShape) {
  const auto in = vectors();
  const auto out = unpack_dataset(pack_dataset(in));
  EXPECT_EQ(out.feature_type, FeatureType::f32);
  EXPECT_EQ(out.shape, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(out.images, in.images);
  EXPECT_EQ(out.labels, in.labels);
}

TEST(DatasetPack, ThePackingIsTheFeaturesAndLabelsAfterASmallHeader) {
  const auto in = images(100);
  const auto bytes = pack_dataset(in);
  EXPECT_LT(bytes.size(), in.images.size() + in.labels.size() + 64);
}

TEST(DatasetPack, ATruncatedPackingIsRefusedAtEveryLength) {
  const auto bytes = pack_dataset(images(3));
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_NE(error_of(bytes.substr(0, n)), "") << "truncated to " << n << " bytes";
}

TEST(DatasetPack, TrailingBytesAreRefused) {
  EXPECT_NE(error_of(pack_dataset(images(3)) + "x").find("corrupt"), std::string::npos);
}

TEST(DatasetPack, AWrongMagicIsRefused) {
  auto bytes = pack_dataset(images(3));
  bytes[0] = 'X';
  EXPECT_NE(error_of(bytes).find("magic"), std::string::npos);
}

TEST(DatasetPack, AnUnknownVersionIsRefused) {
  auto bytes = pack_dataset(images(3));
  bytes[4] = 9;
  EXPECT_NE(error_of(bytes).find("version 9"), std::string::npos);
}

TEST(DatasetPack, AnUnknownFeatureTypeIsRefused) {
  auto bytes = pack_dataset(images(3));
  bytes[8] = 7;
  EXPECT_NE(error_of(bytes).find("feature type 7"), std::string::npos);
}

TEST(DatasetPack, ALabelBeyondTheClassesIsRefused) {
  auto bytes = pack_dataset(images(3));
  bytes.back() = 9;
  EXPECT_NE(error_of(bytes).find("label 9"), std::string::npos);
}

TEST(DatasetPack, AnExampleCountThatDoesNotMatchTheBytesIsRefused) {
  auto in = images(3);
  auto bytes = pack_dataset(in);
  // The count is the 8 bytes before the features.
  const auto count_at = bytes.size() - in.images.size() - in.labels.size() - 8;
  bytes[count_at] = 4;
  EXPECT_NE(error_of(bytes).find("corrupt"), std::string::npos);
  bytes[count_at + 7] = '\x7f';  // a huge count must not overflow the size check
  EXPECT_NE(error_of(bytes), "");
}

TEST(DatasetPack, ADatasetWhoseBytesDoNotMatchItsExamplesIsNotPacked) {
  auto in = images(3);
  in.images.pop_back();
  EXPECT_THROW(pack_dataset(in), DataError);
}
