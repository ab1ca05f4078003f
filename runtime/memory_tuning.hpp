#pragma once
/// \file
/// Process-wide allocator settings. On the virtual machines troupe targets the
/// first touch of freshly mapped memory is slow, and glibc unmaps large blocks
/// on free, so every parameter buffer or training batch would pay it again.
/// Keeping freed memory in the heap makes buffers cheap to reuse.

namespace troupe::runtime {

/// Call once at start-up, before large allocations (idempotent).
void tune_memory_allocator();

}  // namespace troupe::runtime
