#include "runtime/aggregation/round_failures.hpp"

#include <algorithm>

namespace troupe::runtime {

std::vector<UpdateFailure> round_failures(const TaskTracker& tasks, std::int32_t round) {
  std::vector<UpdateFailure> out;
  for (const auto& t : tasks.tasks())
    if (t.kind == TaskKind::train && t.round == round && t.state == TaskState::failed)
      out.push_back({t.id, t.node, t.error});
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.task_id < b.task_id; });
  return out;
}

}  // namespace troupe::runtime
