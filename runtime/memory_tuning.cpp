#include "runtime/memory_tuning.hpp"

#include <malloc.h>

namespace troupe::runtime {

void tune_memory_allocator() {
  // Serve large blocks from the heap instead of fresh mmaps...
  mallopt(M_MMAP_MAX, 0);
  // ...and do not hand freed memory back to the system below 1 GiB of slack.
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace troupe::runtime
