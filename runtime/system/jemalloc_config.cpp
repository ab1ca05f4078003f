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
extern "C" {
__attribute__((used, visibility("default"))) const char* malloc_conf = "oversize_threshold:0";
}
