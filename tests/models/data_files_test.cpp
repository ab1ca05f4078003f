#include "models/data_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/npy_examples.hpp"
#include "test_util.hpp"

using troupe::models::check_fits;
using troupe::models::DataError;
using troupe::models::DataFileOptions;
using troupe::models::Dataset;
using troupe::models::FeatureType;
using troupe::models::label_histogram;
using troupe::models::load_examples;
using troupe::models::parse_shape;
using troupe::test::idx_bytes;
using troupe::test::TempDir;
using troupe::test::write_gz;
using troupe::test::write_npy;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string error_of(const std::string& path, const DataFileOptions& options = {}) {
  try {
    load_examples(path, options);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

float feature(const Dataset& d, std::size_t example, std::size_t k) {
  float v = 0.0F;
  const auto at = example * static_cast<std::size_t>(d.example_bytes()) + k * sizeof(float);
  std::memcpy(&v, d.images.data() + at, sizeof v);
  return v;
}

}  // namespace

TEST(CsvExamples, ReadsFeaturesAsFloatsAndTheLastColumnAsTheLabel) {
  TempDir dir;
  write_text(dir.file("d.csv"), "0.5,1,2\n-3e2,4.25,0\n7,8,5\n");
  const auto d = load_examples(dir.file("d.csv"));
  ASSERT_EQ(d.size(), 3U);
  EXPECT_EQ(d.feature_type, FeatureType::f32);
  EXPECT_EQ(d.example_shape(), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{2, 0, 5}));
  EXPECT_EQ(d.num_classes, 6);
  EXPECT_FLOAT_EQ(feature(d, 0, 0), 0.5F);
  EXPECT_FLOAT_EQ(feature(d, 1, 0), -300.0F);
  EXPECT_FLOAT_EQ(feature(d, 1, 1), 4.25F);
  EXPECT_FLOAT_EQ(feature(d, 2, 1), 8.0F);
}

TEST(CsvExamples, DetectsAHeaderAndFindsTheLabelColumnByName) {
  TempDir dir;
  write_text(dir.file("d.csv"), "class,a,b\r\n1,10,20\r\n3,30,40\r\n");
  const auto d = load_examples(dir.file("d.csv"), {"class"});
  ASSERT_EQ(d.size(), 2U);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{1, 3}));
  EXPECT_FLOAT_EQ(feature(d, 1, 0), 30.0F);
  EXPECT_FLOAT_EQ(feature(d, 1, 1), 40.0F);
}

TEST(CsvExamples, TakesTheLabelColumnByZeroBasedIndex) {
  TempDir dir;
  write_text(dir.file("d.csv"), "2,9,8\n4,7,6\n");
  const auto d = load_examples(dir.file("d.csv"), {"0"});
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{2, 4}));
  EXPECT_FLOAT_EQ(feature(d, 0, 0), 9.0F);
}

TEST(CsvExamples, ANonNumericCellIsNamedWithFileAndLine) {
  TempDir dir;
  write_text(dir.file("d.csv"), "a,b,label\n1,2,0\n3,x7,1\n");
  EXPECT_NE(error_of(dir.file("d.csv")).find(dir.file("d.csv") + ":3: cell 'x7' in column 1"),
            std::string::npos)
      << error_of(dir.file("d.csv"));
}

TEST(CsvExamples, ARowWithAnotherColumnCountIsNamedWithFileAndLine) {
  TempDir dir;
  write_text(dir.file("d.csv"), "1,2,0\n3,4,1\n5,1\n");
  EXPECT_NE(error_of(dir.file("d.csv")).find(":3: has 2 columns, expected 3"), std::string::npos)
      << error_of(dir.file("d.csv"));
}

TEST(CsvExamples, ALabelThatIsNotANonNegativeIntegerIsRefused) {
  TempDir dir;
  for (const std::string bad : {"2.5", "-1", "256", "abc"}) {
    write_text(dir.file("d.csv"), "1,2,0\n3,4," + bad + "\n");
    EXPECT_NE(error_of(dir.file("d.csv")).find(":2: label '" + bad + "' is not an integer"),
              std::string::npos)
        << bad << ": " << error_of(dir.file("d.csv"));
  }
}

TEST(CsvExamples, AnEmptyFileOrAHeaderAloneIsRefused) {
  TempDir dir;
  write_text(dir.file("empty.csv"), "");
  EXPECT_NE(error_of(dir.file("empty.csv")).find("empty.csv: is empty"), std::string::npos);
  write_text(dir.file("header.csv"), "a,b,label\n");
  EXPECT_NE(error_of(dir.file("header.csv")).find("has a header but no examples"),
            std::string::npos);
}

TEST(CsvExamples, AnUnknownLabelColumnIsNamed) {
  TempDir dir;
  write_text(dir.file("d.csv"), "a,b,label\n1,2,0\n");
  EXPECT_NE(error_of(dir.file("d.csv"), {"kind"}).find("no column named 'kind'"),
            std::string::npos);
  EXPECT_NE(error_of(dir.file("d.csv"), {"5"}).find("label column 5 does not exist"),
            std::string::npos);
}

TEST(DataFiles, AMissingPathOrADirectoryInPlaceOfAFileIsNamed) {
  TempDir dir;
  EXPECT_NE(error_of(dir.file("none.csv")).find("none.csv: no such file"), std::string::npos);
  std::filesystem::create_symlink(dir.file("gone.csv"), dir.file("dangling.csv"));
  EXPECT_NE(error_of(dir.file("dangling.csv")).find("dangling.csv: no such file"),
            std::string::npos);
  std::filesystem::create_directories(dir.file("empty"));
  EXPECT_NE(error_of(dir.file("empty")).find("empty: is a directory without x.npy"),
            std::string::npos);
  std::filesystem::create_directories(dir.file("npy/x.npy"));
  EXPECT_NE(error_of(dir.file("npy")).find("x.npy: is a directory"), std::string::npos)
      << error_of(dir.file("npy"));
}

TEST(NpyExamples, ReadsUint8FeaturesWithTheirShapeAndInt64Labels) {
  TempDir dir;
  const std::uint8_t x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::int64_t y[] = {3, 0, 9};
  write_npy(dir.file("x.npy"), "|u1", {3, 2, 2}, x, sizeof x);
  write_npy(dir.file("y.npy"), "<i8", {3}, y, sizeof y);
  const auto d = load_examples(dir.path().string());
  EXPECT_EQ(d.feature_type, FeatureType::u8);
  EXPECT_EQ(d.example_shape(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(d.images, std::vector<std::uint8_t>(std::begin(x), std::end(x)));
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{3, 0, 9}));
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(label_histogram(d), (std::vector<std::int64_t>{1, 0, 0, 1, 0, 0, 0, 0, 0, 1}));
}

TEST(NpyExamples, ReadsFloat32FeaturesAndSmallIntegerLabels) {
  TempDir dir;
  const float x[] = {0.25F, -1.5F, 3.0F, 4.0F};
  const std::int32_t y[] = {1, 2};
  write_npy(dir.file("x.npy"), "<f4", {2, 2}, x, sizeof x);
  write_npy(dir.file("y.npy"), "<i4", {2}, y, sizeof y);
  const auto d = load_examples(dir.path().string());
  EXPECT_EQ(d.feature_type, FeatureType::f32);
  EXPECT_FLOAT_EQ(feature(d, 0, 1), -1.5F);
  EXPECT_FLOAT_EQ(feature(d, 1, 0), 3.0F);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{1, 2}));
}

TEST(NpyExamples, AnXYLengthMismatchNamesBothFiles) {
  TempDir dir;
  const std::uint8_t x[] = {1, 2, 3, 4, 5, 6};
  const std::uint8_t y[] = {0, 1};
  write_npy(dir.file("x.npy"), "|u1", {3, 2}, x, sizeof x);
  write_npy(dir.file("y.npy"), "|u1", {2}, y, sizeof y);
  const auto why = error_of(dir.path().string());
  EXPECT_NE(why.find("x.npy has 3 examples but"), std::string::npos) << why;
  EXPECT_NE(why.find("y.npy has 2 labels"), std::string::npos) << why;
}

TEST(NpyExamples, AnUnsupportedDtypeIsNamed) {
  TempDir dir;
  const double x[] = {1.0, 2.0};
  const std::uint8_t y[] = {0, 1};
  write_npy(dir.file("x.npy"), "<f8", {2, 1}, x, sizeof x);
  write_npy(dir.file("y.npy"), "|u1", {2}, y, sizeof y);
  EXPECT_NE(error_of(dir.path().string()).find("unsupported feature dtype '<f8'"),
            std::string::npos);
  const float f[] = {1.0F, 2.0F};
  write_npy(dir.file("x.npy"), "<f4", {2, 1}, f, sizeof f);
  write_npy(dir.file("y.npy"), "<f4", {2}, f, sizeof f);
  EXPECT_NE(error_of(dir.path().string()).find("unsupported label dtype '<f4'"), std::string::npos);
}

TEST(NpyExamples, FortranOrderATruncatedFileAndANegativeLabelAreRefused) {
  TempDir dir;
  const std::uint8_t x[] = {1, 2, 3, 4};
  const std::int64_t y[] = {0, -2};
  write_npy(dir.file("x.npy"), "|u1", {2, 2}, x, sizeof x, /*fortran=*/true);
  write_npy(dir.file("y.npy"), "<i8", {2}, y, sizeof y);
  EXPECT_NE(error_of(dir.path().string()).find("Fortran-ordered"), std::string::npos);
  write_npy(dir.file("x.npy"), "|u1", {2, 2}, x, 3);
  EXPECT_NE(error_of(dir.path().string()).find("holds 3 data bytes"), std::string::npos);
  write_npy(dir.file("x.npy"), "|u1", {2, 2}, x, sizeof x);
  EXPECT_NE(error_of(dir.path().string()).find("label -2 of example 1"), std::string::npos);
}

TEST(IdxExamples, ReadsAGzippedPairFromItsDirectory) {
  TempDir dir;
  write_gz(dir.file("train-images-idx3-ubyte.gz"), idx_bytes({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  write_gz(dir.file("train-labels-idx1-ubyte.gz"), idx_bytes({2}, {4, 1}));
  const auto d = load_examples(dir.path().string());
  EXPECT_EQ(d.size(), 2U);
  EXPECT_EQ(d.example_shape(), (std::vector<std::int64_t>{1, 2, 2}));
  EXPECT_EQ(d.num_classes, 5);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{4, 1}));
}

TEST(IdxExamples, ImagesAndLabelsOfDifferentLengthsAreRefused) {
  TempDir dir;
  write_gz(dir.file("a-images-idx3-ubyte.gz"), idx_bytes({2, 1, 1}, {1, 2}));
  write_gz(dir.file("a-labels-idx1-ubyte.gz"), idx_bytes({3}, {0, 1, 2}));
  EXPECT_NE(error_of(dir.file("a-images-idx3-ubyte.gz")).find("2 examples but"), std::string::npos);
}

TEST(ParseShape, ReadsCommaSeparatedPositiveIntegersAndRefusesTheRest) {
  EXPECT_EQ(parse_shape("1,28,28"), (std::vector<std::int64_t>{1, 28, 28}));
  EXPECT_EQ(parse_shape("64"), (std::vector<std::int64_t>{64}));
  for (const char* bad : {"", "0", "1,,2", "a", "3x", "-4", "1,"})
    EXPECT_THROW(parse_shape(bad), std::invalid_argument) << bad;
}

TEST(CheckFits, NamesAWrongFeatureCountAndALabelTheJobDoesNotKnow) {
  Dataset d;
  d.shape = {64};
  d.feature_type = FeatureType::f32;
  d.labels = {0, 11, 3};
  d.images.resize(3 * 64 * 4);
  EXPECT_EQ(check_fits(d, {64}, 12), "");
  EXPECT_EQ(check_fits(d, {}, 0), "");
  EXPECT_NE(check_fits(d, {1, 28, 28}, 12).find("has 64 features per example"), std::string::npos);
  EXPECT_NE(check_fits(d, {64}, 10).find("has label 11, the job has 10 classes"),
            std::string::npos);
}

TEST(SplitHeldOut, KeepsEveryExampleOnceAndEachLabelsShare) {
  Dataset d;
  d.shape = {1};
  d.num_classes = 2;
  for (int i = 0; i < 100; ++i) {
    d.labels.push_back(static_cast<std::uint8_t>(i < 80 ? 0 : 1));
    d.images.push_back(static_cast<std::uint8_t>(i));
  }
  Dataset train, held;
  troupe::models::split_held_out(d, 0.25, 7, train, held);
  EXPECT_EQ(train.size() + held.size(), 100U);
  EXPECT_EQ(label_histogram(held), (std::vector<std::int64_t>{20, 5}));
  std::vector<std::uint8_t> all = train.images;
  all.insert(all.end(), held.images.begin(), held.images.end());
  std::sort(all.begin(), all.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(all[static_cast<std::size_t>(i)], i);
  Dataset train2, held2;
  troupe::models::split_held_out(d, 0.25, 7, train2, held2);
  EXPECT_EQ(held2.images, held.images);
}
