#include "models/idx_reader.hpp"

#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>

namespace troupe::models {
namespace {

/// Upper bound on elements, so a corrupt header cannot request absurd memory.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 32;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw DataError(path + ": " + why);
}

/// Reads exactly n bytes; returns the number actually read (less at end of file).
std::size_t read_some(gzFile f, const std::string& path, void* out, std::size_t n) {
  std::size_t done = 0;
  auto* dst = static_cast<unsigned char*>(out);
  while (done < n) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
    const int got = gzread(f, dst + done, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      fail(path, std::string("corrupt compressed data (") + (msg ? msg : "zlib error") + ")");
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) fail(path, std::string("cannot open (") + std::strerror(errno) + ")");

  std::array<unsigned char, 4> magic{};
  if (read_some(file.get(), path, magic.data(), magic.size()) != magic.size())
    fail(path, "truncated: no IDX header");
  if (magic[0] != 0 || magic[1] != 0) fail(path, "not an IDX file (bad magic number)");
  if (magic[2] != 0x08)
    fail(path, "unsupported IDX element type " + std::to_string(magic[2]) +
                   " (only unsigned bytes, 0x08)");
  const int ndims = magic[3];
  if (ndims < 1 || ndims > 4)
    fail(path, "unsupported number of dimensions " + std::to_string(ndims));

  IdxArray out;
  std::int64_t total = 1;
  for (int i = 0; i < ndims; ++i) {
    std::array<unsigned char, 4> be{};
    if (read_some(file.get(), path, be.data(), be.size()) != be.size())
      fail(path, "truncated inside the header");
    const std::int64_t d = (std::int64_t{be[0]} << 24) | (std::int64_t{be[1]} << 16) |
                           (std::int64_t{be[2]} << 8) | std::int64_t{be[3]};
    if (d <= 0) fail(path, "dimension " + std::to_string(i) + " is zero");
    total *= d;
    if (total > kMaxElements) fail(path, "header describes an implausibly large array");
    out.dims.push_back(d);
  }
  out.data.resize(static_cast<std::size_t>(total));
  const auto got = read_some(file.get(), path, out.data.data(), out.data.size());
  if (got != out.data.size()) {
    std::ostringstream why;
    why << "truncated: expected " << out.data.size() << " data bytes, found " << got;
    fail(path, why.str());
  }
  unsigned char extra = 0;
  if (read_some(file.get(), path, &extra, 1) != 0)
    fail(path, "unexpected bytes after the data (header and size disagree)");
  return out;
}

}  // namespace troupe::models
