#include "runtime/core/task.hpp"

namespace troupe::runtime {

const char* to_string(TaskKind kind) {
  return kind == TaskKind::train ? "train" : "evaluate";
}

const char* to_string(TaskState state) {
  switch (state) {
    case TaskState::queued:
      return "queued";
    case TaskState::assigned:
      return "assigned";
    case TaskState::running:
      return "running";
    case TaskState::done:
      return "done";
    case TaskState::failed:
      return "failed";
  }
  return "unknown";
}

}  // namespace troupe::runtime
