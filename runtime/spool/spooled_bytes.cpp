#include "runtime/spool/spooled_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace troupe::runtime {

SpooledBytes::SpooledBytes(int fd, std::uint64_t size) : fd_(fd), size_(size) {}

SpooledBytes::~SpooledBytes() {
  if (fd_ >= 0) ::close(fd_);
}

void SpooledBytes::read(std::uint64_t offset, void* dst, std::size_t n) const {
  if (offset > size_ || n > size_ - offset)
    throw std::runtime_error("a read past the end of a spooled update");
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t got = 0;
  while (got < n) {
    const auto r = ::pread(fd_, out + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      throw std::runtime_error(std::string("a spooled update cannot be read: ") +
                               (r < 0 ? std::strerror(errno) : "its file is shorter"));
    got += static_cast<std::size_t>(r);
  }
}

std::vector<unsigned char> SpooledBytes::read_all() const {
  std::vector<unsigned char> out(size_);
  read(0, out.data(), out.size());
  return out;
}

std::shared_ptr<const SpooledBytes> SpooledBytes::adopt(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("a spooled update cannot be examined: " + why);
  }
  try {
    return std::make_shared<const SpooledBytes>(fd, static_cast<std::uint64_t>(st.st_size));
  } catch (...) {  // no memory for it: it never took `fd` over
    ::close(fd);
    throw;
  }
}

int open_spool_file(const std::string& dir, std::string& why) {
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) why = std::strerror(errno);
  return fd;
}

std::shared_ptr<const SpooledBytes> SpooledBytes::write(const std::string& dir,
                                                        const unsigned char* data, std::size_t n) {
  std::string why;
  const int fd = open_spool_file(dir, why);
  if (fd < 0) throw std::runtime_error("no spool file in " + dir + ": " + why);
  auto out = std::make_shared<const SpooledBytes>(fd, n);
  std::size_t put = 0;
  while (put < n) {
    const auto w = ::write(fd, data + put, n - put);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      throw std::runtime_error("a spool file in " + dir + ": " +
                               (w < 0 ? std::strerror(errno) : "it takes no more bytes"));
    put += static_cast<std::size_t>(w);
  }
  return out;
}

std::string spool_dir_problem(const std::string& dir) {
  if (dir.empty()) return "no directory given";
  std::string why;
  const int fd = open_spool_file(dir, why);
  if (fd < 0) return "cannot make an unlinked file in " + dir + ": " + why;
  ::close(fd);
  return {};
}

}  // namespace troupe::runtime
