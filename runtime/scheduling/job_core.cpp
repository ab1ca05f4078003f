#include "runtime/scheduling/job_core.hpp"

#include <algorithm>
#include <stdexcept>

#include "runtime/scheduling/async_job_core.hpp"
#include "runtime/scheduling/sync_job_core.hpp"

namespace troupe::runtime {

void JobCore::task_started(std::int64_t id, Seconds now) {
  if (!ended_) on_task_started(id, now);
}

bool JobCore::open(std::int64_t id) const {
  return !ended_ && tracker().contains(id) && !tracker().get(id).terminal();
}

Steps JobCore::seal(Steps steps) {
  auto last = std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.final(); });
  if (last != steps.end()) {
    ended_ = true;
    steps.erase(last + 1, steps.end());
  }
  return steps;
}

// The only place that reads the job's mode: every other part asks the core.
std::unique_ptr<JobCore> make_job_core(JobCoreInputs inputs) {
  if (inputs.spec.collab.mode == runtime::Mode::sync)
    return std::make_unique<SyncJobCore>(std::move(inputs));
  if (inputs.spec.collab.mode == runtime::Mode::async ||
      inputs.spec.collab.mode == runtime::Mode::buffered)
    return std::make_unique<AsyncJobCore>(std::move(inputs));
  throw std::invalid_argument("unknown job mode '" + runtime::to_string(inputs.spec.collab.mode) +
                              "'");
}

const std::vector<std::string>& job_core_modes() {
  static const std::vector<std::string> modes{"sync", "async", "buffered"};
  return modes;
}

std::string collaboration_label(const JobSpec& spec) {
  if (spec.collab.mode == runtime::Mode::async) return "fedasync";
  if (spec.collab.mode == runtime::Mode::buffered) return "fedbuff";
  return spec.collab.strategy;
}

}  // namespace troupe::runtime
