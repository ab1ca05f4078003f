#include "models/plain_copy.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <vector>

namespace troupe::models {
namespace {

bool gzipped(const std::string& path) {
  unsigned char magic[2] = {0, 0};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  const auto n = std::fread(magic, 1, 2, f);
  std::fclose(f);
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

/// Inflates `from` into `to`; false on any error (`to` is then removed).
bool inflate_to(const std::string& from, const std::string& to) {
  gzFile in = gzopen(from.c_str(), "rb");
  if (!in) return false;
  FILE* out = std::fopen(to.c_str(), "wb");
  bool ok = out != nullptr;
  std::vector<char> buf(1 << 20);
  while (ok) {
    const int n = gzread(in, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) ok = false;
    if (n <= 0) break;
    ok =
        std::fwrite(buf.data(), 1, static_cast<std::size_t>(n), out) == static_cast<std::size_t>(n);
  }
  gzclose(in);
  if (out && std::fclose(out) != 0) ok = false;
  if (!ok) std::remove(to.c_str());
  return ok;
}

}  // namespace

std::string cache_directory() {
  if (const char* dir = std::getenv("TROUPE_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/troupe";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/troupe";
  return {};
}

std::string plain_copy(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !gzipped(path)) return path;
  const auto dir = cache_directory();
  if (dir.empty()) return path;
  const auto source = fs::weakly_canonical(path, ec).string();
  const auto key = std::hash<std::string>{}(source + "|" + std::to_string(st.st_size) + "|" +
                                            std::to_string(st.st_mtim.tv_sec) + "." +
                                            std::to_string(st.st_mtim.tv_nsec));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016zx", key);
  auto name = fs::path(path).filename().string();
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  const auto copy = dir + "/" + hex + "-" + name;
  if (fs::exists(copy, ec)) return copy;
  fs::create_directories(dir, ec);
  const int lock = open((copy + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock < 0) return path;
  std::string out = path;
  if (flock(lock, LOCK_EX) == 0) {
    if (fs::exists(copy, ec)) {
      out = copy;  // another process made it while this one waited
    } else {
      const auto partial = copy + ".partial." + std::to_string(getpid());
      if (inflate_to(path, partial) && std::rename(partial.c_str(), copy.c_str()) == 0)
        out = copy;
      else
        std::remove(partial.c_str());
    }
    flock(lock, LOCK_UN);
  }
  close(lock);
  return out;
}

}  // namespace troupe::models
