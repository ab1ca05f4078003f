// Giving an idle thread's memory back: the stack pages below its frame.

#include "runtime/system/memory_tuning.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

using namespace troupe::runtime;

namespace {

/// Resident pages of the calling thread's stack (mincore).
std::size_t resident_stack_pages() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* base = nullptr;
  std::size_t size = 0;
  pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in(size / page);
  if (mincore(base, size, in.data()) != 0) return 0;
  std::size_t n = 0;
  for (auto c : in) n += c & 1U;
  return n;
}

/// Touches about `bytes` of stack below the caller's frame.
__attribute__((noinline)) std::uint64_t touch_stack(std::size_t bytes) {
  volatile char buffer[16 * 1024];
  for (std::size_t i = 0; i < sizeof buffer; i += 512) buffer[i] = static_cast<char>(i);
  const std::uint64_t here = buffer[0] + buffer[sizeof buffer - 512];
  if (bytes <= sizeof buffer) return here;
  // The buffer is read after the call, so each frame stays (no tail call).
  const std::uint64_t deeper = touch_stack(bytes - sizeof buffer);
  return deeper + buffer[1024];
}

}  // namespace

TEST(MemoryTuning, AnIdleThreadGivesBackTheStackPagesBelowItsFrame) {
  std::size_t before = 0, deep = 0, after = 0;
  std::uint64_t sink = 0;
  std::thread worker([&] {
    before = resident_stack_pages();
    sink = touch_stack(1024 * 1024);  // 1 MiB below this frame
    deep = resident_stack_pages();
    release_unused_stack();
    after = resident_stack_pages();
    sink += touch_stack(64 * 1024);  // the stack still works
  });
  worker.join();
  ASSERT_GT(deep, 0U) << "mincore gave nothing";
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  EXPECT_GE(deep, before + 1024 * 1024 / page / 2);
  // What is left: the frames above this one and a margin below it.
  EXPECT_LE(after, before + 64 * 1024 / page) << "deep " << deep << " pages";
  EXPECT_NE(sink, 1U);  // keeps the touches
}
