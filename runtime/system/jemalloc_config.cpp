// jemalloc's start-up options for the troupe programs that link it (CMake
// target troupe_allocator compiles this file into each of them; it is not part
// of the troupe libraries). jemalloc reads the `malloc_conf` symbol first and
// the MALLOC_CONF environment variable after it, so users can still override.
//
// oversize_threshold:0 — by default jemalloc (5.3) serves allocations of 8 MiB
// and more from a dedicated arena that returns memory to the system at once,
// so every 10 MiB parameter buffer was faulted in afresh: transfers of 10 and
// 100 MB models ran at ~0.57 GB/s instead of ~1.2 GB/s (bench/param_transfer).
// With the threshold off those blocks follow the normal decay (10 s).
//
// muzzy_decay_ms:-1 — freed pages that decayed (dirty_decay_ms, 10 s) are
// handed back with madvise(MADV_FREE), which the kernel reclaims under memory
// pressure, but never also with MADV_DONTNEED. jemalloc's default (muzzy 0)
// drops them at once, so a training loop that frees and allocates the same
// activation buffers every step faulted ~1,000 pages back in per CNN step and
// ran at a third to a half of its speed once the decay started (after a few
// seconds): bench/train_throughput CNN 1,035-1,853 samples/s with 425-2,015
// minor faults per step; with this option 3,530-3,836 and under one fault per
// step (docs/benchmarks.md, "Local training").
extern "C" {
__attribute__((used, visibility("default"))) const char* malloc_conf =
    "oversize_threshold:0,muzzy_decay_ms:-1";
}
