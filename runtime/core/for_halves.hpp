#pragma once
/// \file
/// Runs an element-wise kernel over [0, n) on both cores of a small machine:
/// the index range is cut in two disjoint halves, one on a new thread, so every
/// element is computed by exactly the same instructions as on one thread and
/// the results are bit-identical.

#include <cstddef>
#include <system_error>
#include <thread>

namespace troupe::runtime {

/// When an element-wise aggregation kernel splits its work over two threads.
struct KernelOptions {
  /// Arrays of at least this many elements are split in two halves. Below it
  /// the cost of starting a thread (tens of microseconds) outweighs the gain:
  /// 1 M floats is 4 MB per input, about 0.1-0.2 ms of memory traffic.
  std::size_t parallel_from = std::size_t{1} << 20;

  /// The default: large arrays on two threads, small ones on the caller's.
  static KernelOptions automatic() { return {}; }
  /// Always on the caller's thread.
  static KernelOptions single_thread() { return {static_cast<std::size_t>(-1)}; }
  /// Split every array of two or more elements (for tests of the split).
  static KernelOptions always_split() { return {2}; }
};

/// Calls fn(begin, end) on disjoint ranges that cover [0, n): once with (0, n),
/// or, when n >= options.parallel_from and the machine has two or more
/// hardware threads, on two halves at once (the upper half on a new thread).
/// The cut is rounded down to a multiple of 16 floats (a 64-byte cache line)
/// so the two threads never write the same line. fn must not throw.
template <class Fn>
void for_halves(std::size_t n, const KernelOptions& options, Fn&& fn) {
  const bool split =
      n >= 2 && n >= options.parallel_from && std::thread::hardware_concurrency() >= 2;
  if (!split) {
    fn(std::size_t{0}, n);
    return;
  }
  std::size_t mid = (n / 2) & ~std::size_t{15};
  if (mid == 0) mid = n / 2;
  std::thread upper;
  try {
    upper = std::thread([&fn, mid, n] { fn(mid, n); });
  } catch (const std::system_error&) {  // no thread to be had: do it all here
    fn(std::size_t{0}, n);
    return;
  }
  fn(std::size_t{0}, mid);
  upper.join();
}

}  // namespace troupe::runtime
