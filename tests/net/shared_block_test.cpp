#include "net/shared_block.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

using troupe::net::copy_shared_block;
using troupe::net::read_shared_block;
using troupe::net::SharedBlock;
using troupe::net::SharedBlockRef;

namespace {

std::vector<unsigned char> pattern(std::size_t n) {
  std::vector<unsigned char> out(n);
  std::iota(out.begin(), out.end(), static_cast<unsigned char>(3));
  return out;
}

std::shared_ptr<const SharedBlock> make_block(const std::vector<unsigned char>& bytes) {
  std::string why;
  auto block = SharedBlock::create(bytes.data(), bytes.size(), why);
  EXPECT_TRUE(block) << why;
  EXPECT_EQ(why, "");
  return block;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Writes all of `n` bytes at `data` to `fd`.
bool write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const auto w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const auto r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

TEST(SharedBlock, ABlockReadsBackWhatWasPutInAndCannotBeChangedAfterwards) {
  const auto bytes = pattern(3 * 4096 + 17);
  auto block = make_block(bytes);
  ASSERT_TRUE(block);
  const auto ref = block->ref();
  EXPECT_EQ(ref.pid, getpid());
  EXPECT_EQ(ref.size, bytes.size());
  EXPECT_EQ(ref.name.rfind("troupe-", 0), 0u) << ref.name;
  std::vector<unsigned char> out;
  ASSERT_EQ(read_shared_block(ref, out), "");
  EXPECT_EQ(out, bytes);
  // Anyone who opens it for writing, as the reader could, can neither write,
  // nor shrink, nor grow it: what was offered stays what is read.
  const auto path = "/proc/self/fd/" + std::to_string(ref.fd);
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const unsigned char zero = 0;
  EXPECT_EQ(pwrite(fd, &zero, 1, 0), -1);
  EXPECT_EQ(ftruncate(fd, 10), -1);
  EXPECT_EQ(ftruncate(fd, static_cast<off_t>(bytes.size() * 2)), -1);
  EXPECT_EQ(mmap(nullptr, bytes.size(), PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
  close(fd);
  ASSERT_EQ(read_shared_block(ref, out), "");
  EXPECT_EQ(out, bytes);
  // Two blocks have different names; an empty one reads as empty.
  const auto other = make_block({});
  ASSERT_TRUE(other);
  EXPECT_NE(other->ref().name, ref.name);
  out = bytes;
  EXPECT_EQ(other->read(out), "");
  EXPECT_TRUE(out.empty());
}

TEST(SharedBlock, ABlockCopiesIntoAFileAndAFileThatCannotBeWrittenIsToldApart) {
  // What a spooling aggregator does with an update from its host.
  const auto bytes = pattern(5 * 1024 * 1024 + 13);
  auto block = make_block(bytes);
  ASSERT_TRUE(block);
  char path[] = "/tmp/troupe-copy-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  unlink(path);
  bool gone = true, file_failed = true;
  ASSERT_EQ(copy_shared_block(block->ref(), fd, &gone, &file_failed), "");
  EXPECT_FALSE(gone);
  EXPECT_FALSE(file_failed);
  std::vector<unsigned char> back(bytes.size() + 1);
  EXPECT_EQ(pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(bytes.size()));
  back.resize(bytes.size());
  EXPECT_EQ(back, bytes);
  close(fd);
  // A file open only for reading: the file failed, not the block.
  const int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ro, 0);
  const auto why = copy_shared_block(block->ref(), ro, nullptr, &file_failed);
  EXPECT_TRUE(mentions(why, "copying a shared block to a file")) << why;
  EXPECT_TRUE(file_failed);
  close(ro);
  // A block let go: the block failed, not the file.
  auto ref = block->ref();
  block.reset();
  const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(devnull, 0);
  EXPECT_NE(copy_shared_block(ref, devnull, &gone, &file_failed), "");
  EXPECT_FALSE(file_failed);
  close(devnull);
}

TEST(SharedBlock, AReferenceThatDoesNotNameASealedBlockOfItsSizeIsRefused) {
  const auto bytes = pattern(5000);
  auto block = make_block(bytes);
  ASSERT_TRUE(block);
  const auto good = block->ref();
  std::vector<unsigned char> out;
  auto refused = [&](SharedBlockRef ref, const std::string& part) {
    const auto why = read_shared_block(ref, out);
    EXPECT_TRUE(mentions(why, part)) << "'" << why << "' should mention '" << part << "'";
  };
  auto ref = good;
  ref.fd = -1;
  refused(ref, "no shared block");
  ref = good;
  ref.name = "troupe-" + std::string(32, '0');  // another block's name
  refused(ref, "not the block named");
  ref.name = "other-name";
  refused(ref, "not a troupe block name");
  ref.name = "troupe-x/../y";
  refused(ref, "not a troupe block name");
  ref = good;
  ref.size = bytes.size() + 1;
  refused(ref, "not the 5001 announced");
  ref = good;
  ref.pid = 0;
  refused(ref, "no shared block");
  ref = good;
  ref.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);  // not a memory file
  ASSERT_GE(ref.fd, 0);
  refused(ref, "not the block named");
  close(ref.fd);
  // A memory file of the right name and size that is not sealed: its owner
  // could still change it under the reader.
  const int loose = memfd_create("troupe-unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  ASSERT_GE(loose, 0);
  ASSERT_TRUE(write_all(loose, bytes.data(), bytes.size()));
  refused({static_cast<std::int32_t>(getpid()), loose, "troupe-unsealed", bytes.size()},
          "is not sealed");
  close(loose);
  // A process that is not there: nothing to read, and not for a while.
  ref = good;
  ref.pid = 0x7ffffff0;  // above any pid_max
  bool gone = true;
  EXPECT_TRUE(mentions(read_shared_block(ref, out, &gone), "no shared block at"));
  EXPECT_FALSE(gone);
  // A block let go: its descriptor no longer names it (it is closed, or its
  // number names something else by now). A later block may still be read.
  block.reset();
  gone = false;
  EXPECT_NE(read_shared_block(good, out, &gone), "");
  EXPECT_TRUE(gone);
}

TEST(SharedBlock, AnotherProcessReadsABlockWhileItsOwnerHoldsIt) {
  const auto bytes = pattern(200 * 1024 + 5);
  int to_parent[2], to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The owner: makes a block, tells its reference, holds it until told, then lets go.
    close(to_parent[0]);
    close(to_child[1]);
    std::string why;
    auto block = SharedBlock::create(bytes.data(), bytes.size(), why);
    if (!block) _exit(2);
    const auto ref = block->ref();
    const std::int32_t head[2] = {ref.pid, ref.fd};
    char go = 0;
    if (!write_all(to_parent[1], head, sizeof head) ||
        !write_all(to_parent[1], ref.name.data(), ref.name.size()) ||
        !read_all(to_child[0], &go, 1))
      _exit(3);
    block.reset();
    if (!write_all(to_parent[1], &go, 1) || !read_all(to_child[0], &go, 1)) _exit(4);
    _exit(0);
  }
  close(to_parent[1]);
  close(to_child[0]);
  std::int32_t head[2] = {0, -1};
  std::string name(39, '\0');  // "troupe-" and 32 hex digits
  ASSERT_TRUE(read_all(to_parent[0], head, sizeof head));
  ASSERT_TRUE(read_all(to_parent[0], name.data(), name.size()));
  const SharedBlockRef ref{head[0], head[1], name, bytes.size()};
  EXPECT_EQ(ref.pid, child);
  std::vector<unsigned char> out;
  EXPECT_EQ(read_shared_block(ref, out), "");
  EXPECT_EQ(out, bytes);
  // Once the owner let go, the same reference reads nothing.
  char go = 1;
  ASSERT_TRUE(write_all(to_child[1], &go, 1));
  ASSERT_TRUE(read_all(to_parent[0], &go, 1));
  EXPECT_NE(read_shared_block(ref, out), "");
  ASSERT_TRUE(write_all(to_child[1], &go, 1));
  int status = -1;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  close(to_parent[0]);
  close(to_child[1]);
}

TEST(SharedBlock, ThisHostsKeyNamesItsBootAndPidNamespace) {
  const auto& key = troupe::net::shared_host_key();
  ASSERT_FALSE(key.empty());
  const auto slash = key.find('/');
  ASSERT_NE(slash, std::string::npos) << key;
  EXPECT_EQ(slash, 36u) << key;  // a boot id is a UUID
  EXPECT_GT(key.size(), slash + 1) << key;
}
