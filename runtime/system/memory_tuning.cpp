#include "runtime/system/memory_tuning.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <cstddef>
#include <cstdlib>
#include <string>

namespace troupe::runtime {
namespace {

using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

/// jemalloc's control function when jemalloc is the process allocator.
Mallctl jemalloc_ctl() {
  return reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
}

bool tuning_disabled() {
  const char* off = std::getenv("TROUPE_MALLOC_TUNING");
  return off && std::string(off) == "0";
}

}  // namespace

void tune_memory_allocator() {
  if (jemalloc_ctl() || tuning_disabled()) return;
  // Serve model-sized blocks (up to 64 MiB) from the heap instead of fresh mmaps
  // (page faults on every fresh mapping made parameter copies slow)...
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  // ...and keep up to 64 MiB of freed memory for reuse before returning it.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

void release_thread_cache() {
  if (const auto ctl = jemalloc_ctl()) ctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
}

void release_free_memory() {
  if (const auto ctl = jemalloc_ctl()) {
    ctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096: MALLCTL_ARENAS_ALL
    return;
  }
  malloc_trim(0);
}

void release_after_large_model(std::uint64_t model_bytes) {
  constexpr std::uint64_t kLargeModelBytes = std::uint64_t{64} << 20;
  if (model_bytes >= kLargeModelBytes) release_free_memory();
}

std::string memory_allocator() {
  if (const auto ctl = jemalloc_ctl()) {
    std::string out = "jemalloc";
    const char* version = nullptr;
    std::size_t size = sizeof version;
    if (ctl("version", &version, &size, nullptr, 0) == 0 && version) {
      std::string v = version;
      out += " " + v.substr(0, v.find('-'));
    }
    std::size_t threshold = 0;
    size = sizeof threshold;
    if (ctl("opt.oversize_threshold", &threshold, &size, nullptr, 0) == 0) {
      out += " (oversize_threshold=" + std::to_string(threshold);
      long muzzy = 0;  // ssize_t in jemalloc
      size = sizeof muzzy;
      if (ctl("opt.muzzy_decay_ms", &muzzy, &size, nullptr, 0) == 0)
        out += ", muzzy_decay_ms=" + std::to_string(muzzy);
      out += ")";
    }
    return out;
  }
  return tuning_disabled() ? "glibc malloc (defaults)" : "glibc malloc (tuned)";
}

}  // namespace troupe::runtime
