#include "net/shared_block.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <new>

namespace troupe::net {
namespace {

constexpr unsigned kSeals = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK;

std::string error_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

/// "troupe-" and 32 hex digits from the kernel's random source; "" if none came.
std::string random_name() {
  unsigned char raw[16];
  std::size_t got = 0;
  while (got < sizeof raw) {
    const auto r = getrandom(raw + got, sizeof raw - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return {};
    got += static_cast<std::size_t>(r);
  }
  std::string name = "troupe-";
  char hex[3];
  for (const auto c : raw) {
    std::snprintf(hex, sizeof hex, "%02x", c);
    name += hex;
  }
  return name;
}

std::string read_host_key() {
  std::ifstream boot("/proc/sys/kernel/random/boot_id");
  std::string id;
  if (!(boot >> id) || id.empty()) return {};
  struct stat ns {};
  if (stat("/proc/self/ns/pid", &ns) != 0) return {};
  return id + "/" + std::to_string(static_cast<unsigned long long>(ns.st_ino));
}

/// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

const std::string& shared_host_key() {
  static const std::string key = read_host_key();
  return key;
}

SharedBlock::SharedBlock(int fd, std::string name, std::uint64_t size)
    : fd_(fd), name_(std::move(name)), size_(size) {}

SharedBlock::~SharedBlock() {
  close(fd_);
}

std::shared_ptr<const SharedBlock> SharedBlock::create(const unsigned char* data, std::size_t n,
                                                       std::string& why) {
  auto name = random_name();
  if (name.empty()) {
    why = error_text("no random name for a shared block");
    return nullptr;
  }
  Fd file{memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING)};
  if (file.fd < 0) {
    why = error_text("memfd_create");
    return nullptr;
  }
  std::size_t done = 0;
  while (done < n) {
    const auto w = write(file.fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      why = error_text("writing a shared block");
      return nullptr;
    }
    done += static_cast<std::size_t>(w);
  }
  if (fcntl(file.fd, F_ADD_SEALS, kSeals | F_SEAL_SEAL) != 0) {
    why = error_text("sealing a shared block");
    return nullptr;
  }
  try {
    std::shared_ptr<const SharedBlock> block(new SharedBlock(file.fd, std::move(name), n));
    file.fd = -1;  // the block owns it now
    return block;
  } catch (const std::bad_alloc&) {
    why = "no memory for a shared block";
    return nullptr;
  }
}

SharedBlockRef SharedBlock::ref() const {
  return SharedBlockRef{static_cast<std::int32_t>(getpid()), fd_, name_, size_};
}

namespace {

/// Reads the `size` bytes of the memory file `fd` into `out` with pread: the
/// file is never mapped here, so its pages do not count in this process's RSS
/// on top of the copy (`what`: the error's words).
std::string read_block_file(int fd, std::size_t size, std::vector<unsigned char>& out,
                            const char* what) {
  try {
    out.resize(size);
  } catch (const std::bad_alloc&) {
    return "no memory for a block of " + std::to_string(size) + " bytes";
  }
  std::size_t got = 0;
  while (got < size) {
    const auto r = pread(fd, out.data() + got, size - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return "a shared block ended after " + std::to_string(got) + " bytes";
    if (r < 0) return error_text(what);
    got += static_cast<std::size_t>(r);
  }
  return {};
}

}  // namespace

std::string SharedBlock::read(std::vector<unsigned char>& out) const {
  // From its own descriptor: the owner needs no /proc to read what it holds.
  return read_block_file(fd_, size_, out, "reading a shared block back");
}

namespace {

/// Whether the link at `path` names the memory file `name`.
bool names_block(const std::string& path, const std::string& name) {
  char link[256];
  const auto n = readlink(path.c_str(), link, sizeof link - 1);
  return n > 0 && std::string(link, static_cast<std::size_t>(n)) == "/memfd:" + name + " (deleted)";
}

/// Opens the block `ref` names after checking that it is the block, its
/// size and its seals: into `file`, or why not.
std::string open_block(const SharedBlockRef& ref, Fd& file, bool* gone) {
  if (gone) *gone = false;
  if (ref.empty() || ref.pid <= 0) return "no shared block named";
  if (ref.name.rfind("troupe-", 0) != 0 || ref.name.find('/') != std::string::npos)
    return "not a troupe block name";
  const auto owner = "/proc/" + std::to_string(ref.pid);
  const auto path = owner + "/fd/" + std::to_string(ref.fd);
  // The link first: a descriptor the owner closed may since name anything.
  char link[256];
  const auto n = readlink(path.c_str(), link, sizeof link - 1);
  // The owner is there but the descriptor is not (or names a socket by
  // now): the block was let go.
  auto let_go = [&](int err) {
    if (gone && (err == ENXIO || (err == ENOENT && access(owner.c_str(), F_OK) == 0))) *gone = true;
  };
  if (n < 0) {
    const int err = errno;
    let_go(err);
    errno = err;
    return error_text(("no shared block at " + path).c_str());
  }
  if (std::string(link, static_cast<std::size_t>(n)) != "/memfd:" + ref.name + " (deleted)") {
    if (gone) *gone = true;
    return path + " is not the block named (it has been let go)";
  }
  file.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (file.fd < 0) {
    const int err = errno;
    let_go(err);
    errno = err;
    return error_text(("opening " + path).c_str());
  }
  // And again on what was opened: the owner may have closed the block and
  // reused the number between the two looks.
  if (!names_block("/proc/self/fd/" + std::to_string(file.fd), ref.name)) {
    if (gone) *gone = true;
    return path + " is not the block named (it has been let go)";
  }
  struct stat st {};
  if (fstat(file.fd, &st) != 0) return error_text("fstat of a shared block");
  if (!S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) != ref.size)
    return "the shared block at " + path + " has " + std::to_string(st.st_size) +
           " bytes, not the " + std::to_string(ref.size) + " announced";
  const auto seals = fcntl(file.fd, F_GET_SEALS);
  if (seals < 0 || (static_cast<unsigned>(seals) & kSeals) != kSeals)
    return "the shared block at " + path + " is not sealed";
  return {};
}

}  // namespace

std::string read_shared_block(const SharedBlockRef& ref, std::vector<unsigned char>& out,
                              bool* gone) {
  Fd file;
  if (auto why = open_block(ref, file, gone); !why.empty()) return why;
  out.clear();
  if (ref.size == 0) return {};
  return read_block_file(file.fd, ref.size, out, "reading a shared block");
}

std::string copy_shared_block(const SharedBlockRef& ref, int out_fd, bool* gone, bool* out_failed) {
  if (out_failed) *out_failed = false;
  Fd file;
  if (auto why = open_block(ref, file, gone); !why.empty()) return why;
  // The kernel copies page cache to page cache: nothing passes through a
  // buffer of this process, and nothing of the block is mapped here.
  std::uint64_t done = 0;
  while (done < ref.size) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(ref.size - done, 1u << 30));
    off_t from = static_cast<off_t>(done);
    const auto r = sendfile(out_fd, file.fd, &from, want);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) return "the shared block at offset " + std::to_string(done) + " ended early";
      // Reading a sealed memory file of the checked size does not fail: the
      // destination did (a full disk, an I/O error).
      if (out_failed) *out_failed = true;
      return error_text("copying a shared block to a file");
    }
    done += static_cast<std::uint64_t>(r);
  }
  return {};
}

}  // namespace troupe::net
