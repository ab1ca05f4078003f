#include "runtime/memory_tuning.hpp"

#include <malloc.h>

#include <cstdlib>
#include <string>

namespace troupe::runtime {

void tune_memory_allocator() {
  if (const char* off = std::getenv("TROUPE_MALLOC_TUNING"); off && std::string(off) == "0") return;
  // Serve model-sized blocks (up to 64 MiB) from the heap instead of fresh mmaps
  // (page faults on every fresh mapping made parameter copies slow)...
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  // ...and keep up to 64 MiB of freed memory for reuse before returning it.
  // An unlimited variant (no mmap at all, 1 GiB of slack) let a node's heap
  // grow by ~50 KB per round in the 1,000-round soak (bench/soak.sh).
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace troupe::runtime
