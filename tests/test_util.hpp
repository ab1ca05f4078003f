#pragma once
// Helpers shared by the tests: temporary directories, reading files, tiny IDX
// files, the real data set's directory, and names of parameterised tests.

#include <zlib.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace troupe::test {

/// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "troupe-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// The whole text of the file at `path` ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Bytes of an unsigned-byte IDX file with the given dimensions and data.
inline std::vector<unsigned char> idx_bytes(const std::vector<std::uint32_t>& dims,
                                            const std::vector<std::uint8_t>& data) {
  std::vector<unsigned char> out{0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (auto d : dims) {
    out.push_back(static_cast<unsigned char>(d >> 24));
    out.push_back(static_cast<unsigned char>(d >> 16));
    out.push_back(static_cast<unsigned char>(d >> 8));
    out.push_back(static_cast<unsigned char>(d));
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

/// A .npy (version 1) file with `descr` ("|u1", "<i8", ...), `shape` and raw
/// `data`, as numpy.save writes it (`fortran`: claims Fortran order).
inline void write_npy(const std::string& path, const std::string& descr,
                      const std::vector<std::int64_t>& shape, const void* data, std::size_t bytes,
                      bool fortran = false) {
  std::string dims;
  for (auto d : shape) dims += std::to_string(d) + ", ";
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': (" +
                       dims + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(header.size());
  out.put(static_cast<char>(len & 0xFF)).put(static_cast<char>(len >> 8));
  out << header;
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

/// Writes `bytes` gzipped to `path`.
inline void write_gz(const std::string& path, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

/// Writes a small Fashion-MNIST-shaped data set (n images of 28x28, labels i % 10)
/// for both splits into `dir`.
inline void write_fake_fashion_mnist(const std::filesystem::path& dir, std::uint32_t n) {
  std::vector<std::uint8_t> images(static_cast<std::size_t>(n) * 784);
  std::vector<std::uint8_t> labels(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    labels[i] = static_cast<std::uint8_t>(i % 10);
    for (std::uint32_t p = 0; p < 784; ++p)
      images[i * 784 + p] = static_cast<std::uint8_t>((p % 28 == labels[i] * 2) ? 255 : 0);
  }
  for (const char* split : {"train", "t10k"}) {
    write_gz((dir / (std::string(split) + "-images-idx3-ubyte.gz")).string(),
             idx_bytes({n, 28, 28}, images));
    write_gz((dir / (std::string(split) + "-labels-idx1-ubyte.gz")).string(),
             idx_bytes({n}, labels));
  }
}

/// Names a parameterised test after its string parameter, a registered name
/// ("best-fit" becomes "best_fit": test names allow letters, digits and '_').
struct ParamName {
  template <typename Info>
  std::string operator()(const Info& info) const {
    std::string name = info.param;
    for (auto& c : name)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
  }
};

/// Directory of the real data set (Debian's dataset-fashion-mnist).
inline std::string fashion_mnist_dir() {
  const char* env = std::getenv("TROUPE_DATA_DIR");
  return env ? env : "/usr/share/datasets/fashion-mnist";
}

}  // namespace troupe::test
