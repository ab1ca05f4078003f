#pragma once
/// \file
/// Process-wide allocator settings.
///
/// troupe's programs (the `troupe` binary, the examples, the benchmarks) link
/// jemalloc (CMake option TROUPE_USE_JEMALLOC, Debian's libjemalloc-dev) with
/// the options in runtime/system/jemalloc_config.cpp. Why: with glibc's malloc a node
/// process of the 3,000-round soak (bench/soak.sh) grew by 120–500 MiB while
/// its live heap stayed at ~90 MiB (heaptrack): freed model-sized buffers were
/// kept in per-thread arenas and not reused. Under jemalloc the same run stays
/// flat, and parameter transfers and MLP training are faster (numbers in
/// docs/security.md, "Soak").
///
/// Where glibc's malloc is the allocator (a program built without jemalloc, or
/// a program of the user's that links the troupe libraries), the fallback is
/// to keep large blocks in the heap: on the virtual machines troupe targets the
/// first touch of freshly mapped memory is slow, and glibc unmaps large blocks
/// on free, so every parameter buffer would pay it again.

#include <cstdint>
#include <string>

namespace troupe::runtime {

/// Call once at start-up, before large allocations (idempotent). Tunes glibc's
/// malloc unless jemalloc is the allocator or TROUPE_MALLOC_TUNING=0.
void tune_memory_allocator();

/// Hands the calling thread's cached free blocks back to the allocator's
/// shared pool (jemalloc: "thread.tcache.flush"; nothing under glibc, whose
/// per-thread cache holds a few small blocks). For a thread that will be idle
/// for long: jemalloc trims a thread's cache only as that thread allocates,
/// so an idle embedded node's thread otherwise keeps what its last task freed.
void release_thread_cache();

/// Returns the pages of every freed block to the system now (jemalloc:
/// "arena.<all>.purge"; glibc: malloc_trim). Freed pages otherwise stay
/// resident (muzzy_decay_ms:-1 hands them back lazily, and the kernel takes
/// them only under memory pressure). For a process that has just freed many
/// blocks it will not need again soon: an embedded run of thousands of nodes
/// at a round's end, when the aggregator dropped every node's update.
void release_free_memory();

/// release_free_memory when a job's model is at least 64 MiB (`model_bytes`):
/// the blocks a set-up, a task or an aggregation of such a model freed (its
/// probe module, its gradients, its old versions) are whole model copies, and
/// jemalloc reuses them poorly for blocks of another size. For smaller models
/// the page faults of taking pages anew would cost more than keeping them.
void release_after_large_model(std::uint64_t model_bytes);

/// The allocator this process uses, for `troupe --version` and logs: e.g.
/// "jemalloc 5.3.0 (oversize_threshold=0, muzzy_decay_ms=-1)" or "glibc malloc (tuned)".
std::string memory_allocator();

}  // namespace troupe::runtime
