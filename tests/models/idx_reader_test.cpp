#include "models/idx_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "models/dataset.hpp"
#include "models/plain_copy.hpp"
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

namespace {

/// rows x 3 bytes, byte (r, c) = 3r + c (distinct while rows < 85).
std::vector<std::uint8_t> table(std::uint32_t rows) {
  std::vector<std::uint8_t> out(rows * 3u);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

}  // namespace

TEST(IdxReader, ReadsChosenRowsInTheOrderAskedFromGzippedAndPlainFiles) {
  TempDir dir;
  write_gz(dir.file("t.gz"), idx_bytes({10, 3}, table(10)));
  write_plain(dir.file("t"), idx_bytes({10, 3}, table(10)));
  const std::vector<std::size_t> rows{7, 2, 7, 0, 9};  // any order, repeats allowed
  for (const auto* name : {"t.gz", "t"}) {
    std::int64_t file_rows = 0;
    const auto got = troupe::models::read_idx_rows(dir.file(name), rows, &file_rows);
    EXPECT_EQ(got.dims, (std::vector<std::int64_t>{5, 3})) << name;
    EXPECT_EQ(file_rows, 10) << name;
    EXPECT_EQ(got.data,
              (std::vector<std::uint8_t>{21, 22, 23, 6, 7, 8, 21, 22, 23, 0, 1, 2, 27, 28, 29}))
        << name;
  }
  EXPECT_EQ(troupe::models::read_idx_dims(dir.file("t")), (std::vector<std::int64_t>{10, 3}));
}

TEST(IdxReader, RowsOfATruncatedOrOverlongFileOrBeyondItsEndAreErrors) {
  TempDir dir;
  auto shorter = idx_bytes({10, 3}, table(10));
  shorter.resize(shorter.size() - 4);
  auto longer = idx_bytes({10, 3}, table(10));
  longer.push_back(0);
  write_gz(dir.file("short.gz"), shorter);
  write_plain(dir.file("short"), shorter);
  write_plain(dir.file("long"), longer);
  write_plain(dir.file("ok"), idx_bytes({10, 3}, table(10)));
  auto error = [&](const std::string& name, std::vector<std::size_t> rows) -> std::string {
    try {
      troupe::models::read_idx_rows(dir.file(name), rows);
    } catch (const DataError& e) {
      return e.what();
    }
    return "";
  };
  // A row before the cut still fails: the whole file is checked, as read_idx checks it.
  EXPECT_NE(error("short.gz", {0}).find("truncated"), std::string::npos);
  EXPECT_NE(error("short", {0}).find("truncated"), std::string::npos);
  EXPECT_NE(error("long", {0}).find("unexpected bytes"), std::string::npos);
  EXPECT_NE(error("ok", {10}).find("row 10"), std::string::npos);
  EXPECT_NE(error("missing", {0}).find("missing"), std::string::npos);
}

TEST(PlainCopy, AGzippedFileIsInflatedOnceIntoTheCacheAndAChangedFileGetsANewCopy) {
  TempDir dir;
  const char* before = std::getenv("TROUPE_CACHE_DIR");
  const std::string saved = before ? before : "";
  const auto cache = dir.file("cache");
  setenv("TROUPE_CACHE_DIR", cache.c_str(), 1);
  write_gz(dir.file("t.gz"), idx_bytes({10, 3}, table(10)));
  write_plain(dir.file("plain"), idx_bytes({10, 3}, table(10)));
  const auto copy = troupe::models::plain_copy(dir.file("t.gz"));
  EXPECT_EQ(copy.rfind(cache, 0), 0u) << copy;
  EXPECT_EQ(read_idx(copy).data, table(10));
  EXPECT_EQ(troupe::models::plain_copy(dir.file("t.gz")), copy);  // made once
  // A plain file is read where it is; a missing one is returned for its reader to name.
  EXPECT_EQ(troupe::models::plain_copy(dir.file("plain")), dir.file("plain"));
  EXPECT_EQ(troupe::models::plain_copy(dir.file("missing.gz")), dir.file("missing.gz"));
  // A file rewritten with other contents (size and time differ) gets its own copy.
  write_gz(dir.file("t.gz"), idx_bytes({12, 3}, table(12)));
  const auto again = troupe::models::plain_copy(dir.file("t.gz"));
  EXPECT_NE(again, copy);
  EXPECT_EQ(read_idx(again).dims, (std::vector<std::int64_t>{12, 3}));
  // No usable cache directory: the gzipped file itself, still readable.
  setenv("TROUPE_CACHE_DIR", "/proc/no-such-dir", 1);
  EXPECT_EQ(troupe::models::plain_copy(dir.file("t.gz")), dir.file("t.gz"));
  if (before)
    setenv("TROUPE_CACHE_DIR", saved.c_str(), 1);
  else
    unsetenv("TROUPE_CACHE_DIR");
}

TEST(Dataset, RowsLabelsAndShapeOfASplitAgreeWithTheWholeSplit) {
  TempDir dir;
  troupe::test::write_fake_fashion_mnist(dir.path(), 20);
  using troupe::models::Split;
  const auto whole = troupe::models::load_fashion_mnist(dir.path().string(), Split::train);
  const std::vector<std::size_t> rows{13, 4, 19};
  const auto some =
      troupe::models::load_fashion_mnist_rows(dir.path().string(), Split::train, rows);
  ASSERT_EQ(some.size(), 3u);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    EXPECT_EQ(some.labels[k], whole.labels[rows[k]]);
    EXPECT_TRUE(std::equal(some.images.begin() + static_cast<std::ptrdiff_t>(k * 784),
                           some.images.begin() + static_cast<std::ptrdiff_t>((k + 1) * 784),
                           whole.images.begin() + static_cast<std::ptrdiff_t>(rows[k] * 784)));
  }
  EXPECT_EQ(troupe::models::load_fashion_mnist_labels(dir.path().string(), Split::train).labels,
            whole.labels);
  EXPECT_EQ(troupe::models::fashion_mnist_example_shape(dir.path().string(), Split::train),
            whole.example_shape());
  EXPECT_THROW(troupe::models::load_fashion_mnist_rows(dir.path().string(), Split::train, {20}),
               DataError);
}
