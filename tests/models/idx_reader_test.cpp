#include "models/idx_reader.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "models/dataset.hpp"
#include "test_util.hpp"

using troupe::models::DataError;
using troupe::models::read_idx;
using troupe::test::idx_bytes;
using troupe::test::TempDir;
using troupe::test::write_gz;

namespace {

void write_plain(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::string error_of(const std::string& path) {
  try {
    read_idx(path);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(IdxReader, ReadsAGzippedFileWithItsDimensionsAndData) {
  TempDir dir;
  write_gz(dir.file("a.gz"), idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6}));
  const auto arr = read_idx(dir.file("a.gz"));
  EXPECT_EQ(arr.dims, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(arr.data, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(IdxReader, ReadsAnUncompressedFileToo) {
  TempDir dir;
  write_plain(dir.file("a"), idx_bytes({4}, {9, 8, 7, 6}));
  EXPECT_EQ(read_idx(dir.file("a")).data, (std::vector<std::uint8_t>{9, 8, 7, 6}));
}

TEST(IdxReader, RejectsAMissingFileNamingIt) {
  TempDir dir;
  EXPECT_NE(error_of(dir.file("nope.gz")).find("nope.gz"), std::string::npos);
}

TEST(IdxReader, RejectsATruncatedDataSection) {
  TempDir dir;
  auto bytes = idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6});
  bytes.resize(bytes.size() - 2);
  write_gz(dir.file("t.gz"), bytes);
  EXPECT_NE(error_of(dir.file("t.gz")).find("truncated"), std::string::npos);
}

TEST(IdxReader, RejectsATruncatedHeader) {
  TempDir dir;
  write_gz(dir.file("h.gz"), {0, 0, 8, 3, 0, 0});
  EXPECT_NE(error_of(dir.file("h.gz")).find("truncated"), std::string::npos);
}

TEST(IdxReader, RejectsABadMagicNumber) {
  TempDir dir;
  write_gz(dir.file("m.gz"), {1, 2, 8, 1, 0, 0, 0, 1, 5});
  EXPECT_NE(error_of(dir.file("m.gz")).find("magic"), std::string::npos);
}

TEST(IdxReader, RejectsAnUnsupportedElementType) {
  TempDir dir;
  write_gz(dir.file("f.gz"), {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  EXPECT_NE(error_of(dir.file("f.gz")).find("element type"), std::string::npos);
}

TEST(IdxReader, RejectsTrailingBytes) {
  TempDir dir;
  auto bytes = idx_bytes({2}, {1, 2});
  bytes.push_back(3);
  write_gz(dir.file("x.gz"), bytes);
  EXPECT_NE(error_of(dir.file("x.gz")).find("unexpected bytes"), std::string::npos);
}

TEST(IdxReader, RejectsCorruptCompressedData) {
  TempDir dir;
  write_gz(dir.file("c.gz"), idx_bytes({64}, std::vector<std::uint8_t>(64, 7)));
  // Flip bytes in the middle of the deflate stream.
  std::fstream f(dir.file("c.gz"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(14);
  const char junk[6] = {'\xff', '\x00', '\x13', '\x37', '\x42', '\x99'};
  f.write(junk, sizeof junk);
  f.close();
  EXPECT_FALSE(error_of(dir.file("c.gz")).empty());
}

TEST(Dataset, MissingDirectoryNamesTheDebianPackage) {
  try {
    troupe::models::load_fashion_mnist("/nonexistent/troupe-data", troupe::models::Split::train);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos);
  }
}

TEST(Dataset, LoadsBothSplitsOfAFashionMnistDirectory) {
  TempDir dir;
  troupe::test::write_fake_fashion_mnist(dir.path(), 20);
  const auto train =
      troupe::models::load_fashion_mnist(dir.path().string(), troupe::models::Split::train);
  EXPECT_EQ(train.size(), 20u);
  EXPECT_EQ(train.rows, 28);
  EXPECT_EQ(train.images.size(), 20u * 784u);
  EXPECT_EQ(troupe::models::head(train, 5).size(), 5u);
}

TEST(Dataset, RejectsImagesAndLabelsOfDifferentCounts) {
  TempDir dir;
  troupe::test::write_fake_fashion_mnist(dir.path(), 20);
  write_gz(dir.file("train-labels-idx1-ubyte.gz"),
           idx_bytes({19}, std::vector<std::uint8_t>(19, 1)));
  EXPECT_THROW(
      troupe::models::load_fashion_mnist(dir.path().string(), troupe::models::Split::train),
      DataError);
}

TEST(Dataset, ReadsTheRealFashionMnistWhenInstalled) {
  const auto dir = troupe::test::fashion_mnist_dir();
  const auto test = troupe::models::load_fashion_mnist(dir, troupe::models::Split::test);
  EXPECT_EQ(test.size(), 10000u);
  EXPECT_EQ(test.rows * test.cols, 784);
}
