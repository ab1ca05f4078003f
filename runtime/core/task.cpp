#include "runtime/core/task.hpp"

#include <iterator>

namespace troupe::runtime {

const char* to_string(TaskKind kind) {
  return kind == TaskKind::train ? "train" : "evaluate";
}

const char* to_string(TaskState state) {
  // Indexed by the enumerators' values (task.hpp numbers them from 0).
  static constexpr const char* kNames[] = {"queued", "assigned", "running", "done", "failed"};
  const auto i = static_cast<std::size_t>(state);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

}  // namespace troupe::runtime
