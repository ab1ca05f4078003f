#include "runtime/aggregation/round_failures.hpp"

#include <algorithm>
#include <map>
#include <regex>

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

namespace {

/// The part of a failure's reason that is the same for every task it hit.
std::string reason_kind(const std::string& reason) {
  if (reason.find("not finite") != std::string::npos)
    return "updates rejected: non-finite values (is --lr too large?)";
  static const std::regex task_number{R"(task \d+)"};
  return std::regex_replace(reason, task_number, "task");
}

}  // namespace

std::string explain_failures(const std::vector<UpdateFailure>& failures) {
  std::map<std::string, int> count;
  for (const auto& f : failures) ++count[reason_kind(f.reason)];
  std::vector<std::pair<std::string, int>> kinds(count.begin(), count.end());
  std::stable_sort(kinds.begin(), kinds.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [kind, n] : kinds) {
    if (!out.empty()) out += "; ";
    const bool counted = kind.rfind("updates rejected", 0) == 0;
    out += std::to_string(n) +
           (counted ? " " + kind : (n == 1 ? " task failed: " : " tasks failed: ") + kind);
  }
  return out;
}

}  // namespace troupe::runtime
